/**
 * Element construction for the panel. Everything from a model file (names, ops, shapes, reasons,
 * file names) goes in as text nodes or attribute values, never through an HTML parser, so a
 * layer called `<img onerror=…>` is just text. That text and every title are made visible here
 * (src/report/visible-text.ts): control and bidi characters in names show as escapes instead of
 * reordering what the reader sees.
 */
import { visible, visibleLines } from '../src/report/visible-text';

/** A list stands for its items: children made from a model's data are passed as one array, never spread into arguments. */
type Child = Node | string | false | undefined | readonly Child[];

export interface Props {
  class?: string;
  title?: string;
  /** Plain attributes (role, aria-*, data-*): values are set as text. */
  attrs?: Record<string, string>;
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.title) el.setAttribute('title', visibleLines(props.title));
  for (const [k, v] of Object.entries(props.attrs ?? {})) el.setAttribute(k, v);
  appendList(el, children);
  return el;
}

export function append(el: Element, ...children: Child[]): void {
  appendList(el, children);
}

function appendList(el: Element, children: readonly Child[]): void {
  for (const c of children) {
    if (c === false || c === undefined) continue;
    if (Array.isArray(c)) appendList(el, c as readonly Child[]);
    else el.append(typeof c === 'string' ? document.createTextNode(visible(c)) : (c as Node));
  }
}

/** Replaces an element's content with `children`. */
export function fill(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  appendList(el, children);
}
