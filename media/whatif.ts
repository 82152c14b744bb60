/** What-if: re-profile with other values for the model's symbols or other input shapes. */
import type { ProfileResult } from '../common/protocol';
import { addDim, addInputShape, BindingsError, checkAgainst, modelNames, parseDimValue, parseShape, type Bindings, type ModelNames } from '../src/bindings';
import type { ReportDoc } from '../src/report/report-doc';
import { visible } from '../src/report/visible-text';
import { fill, h } from './dom';
import { shapeText } from './format';
import { button, textField, type TextField } from './toolkit';

interface ShapeField {
  /** The key in Bindings.inputShapes: the input's name, or '' as the model's only input. */
  key: string;
  name: string;
  field: TextField;
  /** Typed into since the last profile: only then is the text sent (it may show a bound shape). */
  dirty: boolean;
  /** A shape already in the current bindings, sent again so a dim change does not drop it. */
  carried?: (number | string)[];
}

export class WhatIf {
  readonly element: HTMLElement;
  private readonly fieldsEl = h('div', { class: 'whatif-fields' });
  private readonly errorEl = h('p', { class: 'field-error', attrs: { role: 'alert' } });
  private readonly comparisonEl = h('p', { class: 'comparison', attrs: { 'data-role': 'comparison', 'aria-live': 'polite' } });
  private dims: { symbol: string; field: TextField }[] = [];
  private shapes: ShapeField[] = [];
  private names: ModelNames = { inputs: [], symbols: [] };

  constructor(private readonly onApply: (bindings: Bindings) => void) {
    this.element = h('section', { class: 'whatif', attrs: { 'aria-label': 'What if' } },
      h('h2', {}, 'What if'),
      h('p', { class: 'muted' }, 'Bind symbols or change input shapes and re-profile: batch and resolution scale MACs and activations, never parameters.'),
      this.fieldsEl,
      h('div', { class: 'whatif-actions' }, button('Apply', () => this.apply(), { appearance: 'primary', title: 'Re-profile with these values (Enter)' }), this.errorEl),
      this.comparisonEl);
  }

  /** Fields for `report`'s symbols (bound or not) and inputs; `comparison` says how the last what-if changed things. */
  update(result: ProfileResult, report: ReportDoc, comparison: string | undefined): void {
    // Names come from the model: own-property lookups only, so `constructor` is just a name.
    const value = (o: Record<string, number> | undefined, k: string): number | undefined => (o && Object.hasOwn(o, k) ? o[k] : undefined);
    const bound = result.bindings.dims;
    this.names = modelNames(report);
    const apply = (): void => this.apply();
    this.dims = this.names.symbols.map((symbol) => ({
      symbol,
      field: textField({
        label: symbol, name: `dim:${symbol}`, value: String(value(bound, symbol) ?? value(report.bindings, symbol) ?? ''), placeholder: 'unbound', size: 8,
        title: `Value for the symbolic dim ${symbol}`, onEnter: apply,
      }),
    }));
    const given = result.bindings.inputShapes ?? {};
    this.shapes = report.inputs.map((input) => {
      const has = (k: string): boolean => Object.hasOwn(given, k);
      const key = has(input.name) || report.inputs.length > 1 ? input.name : has('') ? '' : input.name;
      const carried = has(key) ? given[key] : undefined;
      const s: ShapeField = {
        key, name: input.name, dirty: false, carried,
        field: textField({
          label: `${input.name} shape`, name: `shape:${input.name}`, value: shapeText(carried ?? input.shape), size: 20,
          title: 'Dims separated by x (or ×, or commas): numbers or symbol names', onEnter: apply,
          onInput: () => {
            s.dirty = true;
          },
        }),
      };
      return s;
    });
    fill(this.fieldsEl, this.dims.map((d) => d.field.element), this.shapes.map((s) => s.field.element));
    this.errorEl.textContent = '';
    this.comparisonEl.textContent = visible(comparison ?? '');
  }

  /** Posts the fields as bindings, or says what is wrong in the words Set Input Shape… and the CLI use. */
  private apply(): void {
    const errors: string[] = [];
    const attempt = (step: () => void): void => {
      try {
        step();
      } catch (e) {
        if (!(e instanceof BindingsError)) throw e;
        errors.push(e.message);
      }
    };
    const bindings: Bindings = {};
    for (const { symbol, field } of this.dims) {
      if (field.value.trim()) attempt(() => addDim(bindings, symbol, parseDimValue(symbol, field.value)));
    }
    for (const s of this.shapes) {
      if (s.dirty) attempt(() => addInputShape(bindings, s.key, parseShape(s.field.value, s.name)));
      else if (s.carried) addInputShape(bindings, s.key, s.carried);
    }
    if (!errors.length) attempt(() => checkAgainst(bindings, this.names));
    this.errorEl.textContent = visible(errors.join('; '));
    if (!errors.length) this.onApply(bindings);
  }
}
