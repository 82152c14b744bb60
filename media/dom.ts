/**
 * Element construction for the panel. Everything from a model file (names, ops, shapes, reasons,
 * file names) goes in as text nodes or attribute values, never through an HTML parser, so a
 * layer called `<img onerror=…>` is just text.
 */

type Child = Node | string | false | undefined;

export interface Props {
  class?: string;
  title?: string;
  /** Plain attributes (role, aria-*, data-*): values are set as text. */
  attrs?: Record<string, string>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.title) el.setAttribute('title', props.title);
  for (const [k, v] of Object.entries(props.attrs ?? {})) el.setAttribute(k, v);
  append(el, ...children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  for (const c of children) {
    if (c === false || c === undefined) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
}

/** Replaces an element's content with `children`. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, ...children);
}
