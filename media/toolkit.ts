/**
 * The one module that touches @vscode/webview-ui-toolkit, which is deprecated upstream: the panel
 * builds every themed control through these factories, so replacing the toolkit (with plain
 * elements or another library) means rewriting this file only. Only the components used here are
 * registered, which keeps the bundle to what the panel needs.
 */
import {
  provideVSCodeDesignSystem, vsCodeButton, vsCodeDropdown, vsCodeOption, vsCodeProgressRing, vsCodeTextField,
} from '@vscode/webview-ui-toolkit';
import { visible, visibleLines } from '../src/report/visible-text';

let registered = false;

/** Defines the custom elements once, on first use, so callers need no setup step. */
function register(): void {
  if (registered) return;
  registered = true;
  provideVSCodeDesignSystem().register(vsCodeButton(), vsCodeDropdown(), vsCodeOption(), vsCodeProgressRing(), vsCodeTextField());
}

/** The toolkit's elements keep their current text in `value`. */
type ValueElement = HTMLElement & { value: string };

export function button(
  label: string,
  onClick: () => void,
  opts: { appearance?: 'primary' | 'secondary'; title?: string } = {},
): HTMLElement {
  register();
  const b = document.createElement('vscode-button');
  b.textContent = visible(label);
  b.setAttribute('appearance', opts.appearance ?? 'secondary');
  if (opts.title) b.setAttribute('title', visibleLines(opts.title));
  b.addEventListener('click', onClick);
  return b;
}

export interface TextField {
  element: HTMLElement;
  value: string;
}

export function textField(opts: {
  label: string;
  /** The field's form name: a stable handle (tests find fields by it). */
  name: string;
  value?: string;
  placeholder?: string;
  title?: string;
  /** Width in characters. */
  size?: number;
  onInput?: (value: string) => void;
  onEnter?: () => void;
}): TextField {
  register();
  const el = document.createElement('vscode-text-field') as ValueElement;
  // The field shows its text content as the label.
  el.textContent = visible(opts.label);
  el.value = opts.value ?? '';
  el.setAttribute('name', opts.name);
  if (opts.placeholder) el.setAttribute('placeholder', opts.placeholder);
  if (opts.title) el.setAttribute('title', visibleLines(opts.title));
  if (opts.size) el.setAttribute('size', String(opts.size));
  // The inner <input>'s events reach the host after the field has copied its value.
  const onInput = opts.onInput;
  if (onInput) el.addEventListener('input', () => onInput(el.value));
  const onEnter = opts.onEnter;
  if (onEnter) {
    el.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') onEnter();
    });
  }
  return {
    element: el,
    get value() {
      return el.value;
    },
    set value(v: string) {
      el.value = v;
    },
  };
}

export interface Dropdown {
  element: HTMLElement;
  /** Replaces the choices; `selected` is the value shown. Does not call onChange. */
  setOptions(options: { value: string; label: string }[], selected: string): void;
}

export function dropdown(opts: { label: string; onChange: (value: string) => void }): Dropdown {
  register();
  const el = document.createElement('vscode-dropdown') as ValueElement;
  el.setAttribute('aria-label', opts.label);
  el.addEventListener('change', () => opts.onChange(el.value));
  return {
    element: el,
    setOptions(options, selected) {
      el.replaceChildren(
        ...options.map((o) => {
          const opt = document.createElement('vscode-option');
          opt.setAttribute('value', o.value);
          opt.textContent = visible(o.label);
          // The dropdown picks the option marked `selected` when its options change.
          if (o.value === selected) opt.setAttribute('selected', '');
          return opt;
        }),
      );
      el.value = selected;
    },
  };
}

/** An indeterminate spinner (never a determinate one: that template sets a style attribute, which the CSP blocks). */
export function progressRing(label: string): HTMLElement {
  register();
  const ring = document.createElement('vscode-progress-ring');
  ring.setAttribute('aria-label', label);
  return ring;
}

/** Marks a button as the chosen one of a group (a segmented toggle). */
export function setChosen(b: HTMLElement, chosen: boolean): void {
  b.setAttribute('appearance', chosen ? 'primary' : 'secondary');
  b.setAttribute('aria-pressed', String(chosen));
}
