/**
 * Exact integer polynomials over symbolic dimensions.
 *
 * Shapes in exported models carry symbols (`batch`, `seq`) and unknown dims; costs are products
 * and sums of dims, so they are polynomials in those symbols. Operations that are not polynomial
 * (floor division by a constant that does not divide, min/max) become opaque atoms, so every
 * value stays exact instead of being approximated.
 */

/** An atom is a symbol or an opaque integer function of polynomials, interned by its text. */
export interface Atom {
  readonly key: string;
  readonly kind: 'sym' | 'floor' | 'min' | 'max';
  readonly name?: string;
  readonly args?: readonly Expr[];
  readonly den?: number;
}

interface Term {
  /** Sorted `atomKey^power` factors joined by `*`; `''` for the constant term. */
  readonly key: string;
  readonly coef: number;
  readonly factors: readonly (readonly [Atom, number])[];
}

export type Bindings = ReadonlyMap<string, number>;

export class Expr {
  private constructor(private readonly terms: readonly Term[]) {}

  static readonly ZERO = new Expr([]);
  static readonly ONE = Expr.of(1);

  static of(n: number): Expr {
    if (!Number.isInteger(n)) throw new RangeError(`not an integer: ${n}`);
    return new Expr(n === 0 ? [] : [{ key: '', coef: n, factors: [] }]);
  }

  static sym(name: string): Expr {
    return Expr.atom({ key: name, kind: 'sym', name });
  }

  private static atom(a: Atom): Expr {
    return new Expr([{ key: `${a.key}`, coef: 1, factors: [[a, 1]] }]);
  }

  /** The constant value, or undefined when the expression depends on a symbol. */
  get constant(): number | undefined {
    if (this.terms.length === 0) return 0;
    return this.terms.length === 1 && this.terms[0].key === '' ? this.terms[0].coef : undefined;
  }

  get isConstant(): boolean {
    return this.constant !== undefined;
  }

  add(o: Expr | number): Expr {
    const other = typeof o === 'number' ? Expr.of(o) : o;
    if (other.terms.length === 0) return this;
    if (this.terms.length === 0) return other;
    const a = this.constant;
    const b = other.constant;
    if (a !== undefined && b !== undefined) return Expr.of(a + b);
    return Expr.fromMap(mergeTerms(this.terms, other.terms));
  }

  sub(o: Expr | number): Expr {
    const other = typeof o === 'number' ? Expr.of(o) : o;
    return this.add(other.scale(-1));
  }

  scale(k: number): Expr {
    if (k === 0) return Expr.ZERO;
    if (k === 1) return this;
    return new Expr(this.terms.map((t) => ({ ...t, coef: t.coef * k })));
  }

  mul(o: Expr | number): Expr {
    if (typeof o === 'number') return this.scale(o);
    const a = this.constant;
    if (a !== undefined) return o.scale(a);
    const b = o.constant;
    if (b !== undefined) return this.scale(b);
    const out = new Map<string, Term>();
    for (const x of this.terms) {
      for (const y of o.terms) addTerm(out, multiplyTerms(x, y));
    }
    return Expr.fromMap(out);
  }

  /**
   * floor(this / d) for a positive integer d. Exact when d divides every coefficient;
   * otherwise an opaque atom (after pulling out the multiples of d, so `floor((2h+1)/2)` = `h`).
   */
  floorDiv(d: number): Expr {
    if (!Number.isInteger(d) || d <= 0) throw new RangeError(`floor division by ${d}`);
    if (d === 1) return this;
    const c = this.constant;
    if (c !== undefined) return Expr.of(Math.floor(c / d));
    let whole = Expr.ZERO;
    let rest = Expr.ZERO;
    for (const t of this.terms) {
      const q = Math.floor(t.coef / d);
      const r = t.coef - q * d;
      if (q !== 0) whole = whole.add(new Expr([{ ...t, coef: q * d }]));
      if (r !== 0) rest = rest.add(new Expr([{ ...t, coef: r }]));
    }
    const restConst = rest.constant;
    // Remainders of the symbolic terms are below d; a lone constant remainder in [0, d) floors to 0.
    if (restConst !== undefined) return whole.exactDivConst(d);
    return whole.exactDivConst(d).add(Expr.atom({ key: `floor((${rest})/${d})`, kind: 'floor', args: [rest], den: d }));
  }

  /** ceil(this / d) for a positive integer d. */
  ceilDiv(d: number): Expr {
    return this.add(d - 1).floorDiv(d);
  }

  private exactDivConst(d: number): Expr {
    return new Expr(this.terms.map((t) => ({ ...t, coef: t.coef / d })));
  }

  /**
   * this / o when the quotient is a polynomial we can find: o a constant dividing every
   * coefficient, or o a single term whose factors divide every term. Otherwise undefined.
   */
  divExact(o: Expr): Expr | undefined {
    const k = o.constant;
    if (k !== undefined) {
      if (k === 0) return undefined;
      return this.terms.every((t) => t.coef % k === 0) ? this.exactDivConst(k) : undefined;
    }
    if (o.terms.length !== 1) return this.equals(o) ? Expr.ONE : undefined;
    const [div] = o.terms;
    const out = new Map<string, Term>();
    for (const t of this.terms) {
      if (t.coef % div.coef !== 0) return undefined;
      const powers = new Map(t.factors.map(([a, p]) => [a.key, [a, p] as [Atom, number]]));
      for (const [a, p] of div.factors) {
        const have = powers.get(a.key);
        if (!have || have[1] < p) return undefined;
        if (have[1] === p) powers.delete(a.key);
        else powers.set(a.key, [a, have[1] - p]);
      }
      addTerm(out, makeTerm(t.coef / div.coef, [...powers.values()]));
    }
    return Expr.fromMap(out);
  }

  min(o: Expr): Expr {
    return this.extremum(o, 'min');
  }

  max(o: Expr): Expr {
    return this.extremum(o, 'max');
  }

  private extremum(o: Expr, kind: 'min' | 'max'): Expr {
    const a = this.constant;
    const b = o.constant;
    if (a !== undefined && b !== undefined) return Expr.of(kind === 'min' ? Math.min(a, b) : Math.max(a, b));
    if (this.equals(o)) return this;
    // Dims are non-negative: when the difference has only non-negative coefficients the order is known.
    const d = this.sub(o);
    if (d.terms.every((t) => t.coef >= 0)) return kind === 'min' ? o : this;
    if (d.terms.every((t) => t.coef <= 0)) return kind === 'min' ? this : o;
    const [x, y] = [this.toString(), o.toString()].sort();
    const args = x === this.toString() ? [this, o] : [o, this];
    return Expr.atom({ key: `${kind}(${x}, ${y})`, kind, args });
  }

  equals(o: Expr): boolean {
    if (this === o) return true;
    if (this.terms.length !== o.terms.length) return false;
    return this.terms.every((t, i) => t.key === o.terms[i].key && t.coef === o.terms[i].coef);
  }

  /** Replace bound symbols by their values; unbound ones stay. */
  substitute(b: Bindings): Expr {
    if (this.isConstant || b.size === 0) return this;
    let out = Expr.ZERO;
    for (const t of this.terms) {
      let term = Expr.of(t.coef);
      for (const [a, p] of t.factors) {
        const v = substituteAtom(a, b);
        for (let i = 0; i < p; i++) term = term.mul(v);
      }
      out = out.add(term);
    }
    return out;
  }

  /** Numeric value when every symbol is bound; undefined otherwise. */
  evaluate(b: Bindings): number | undefined {
    return this.substitute(b).constant;
  }

  /** Names of the symbols this expression depends on. */
  symbols(): string[] {
    const out = new Set<string>();
    const visit = (e: Expr): void => {
      for (const t of e.terms) {
        for (const [a] of t.factors) {
          if (a.kind === 'sym') out.add(a.name!);
          else a.args!.forEach(visit);
        }
      }
    };
    visit(this);
    return [...out].sort();
  }

  /**
   * Machine form: a list of `[coefficient, {atom: power}]` terms, the constant term having no
   * atoms. Atoms other than symbols appear under their printed form (`floor((h + 1)/2)`).
   */
  toPoly(): [number, Record<string, number>][] {
    return this.terms.map((t) => [t.coef, Object.fromEntries(t.factors.map(([a, p]) => [a.key, p]))]);
  }

  /** Terms ordered highest degree first, then by name, for readable formulas. */
  orderedTerms(): { coef: number; monomial: string; degree: number }[] {
    return this.terms
      .map((t) => ({
        coef: t.coef,
        monomial: t.factors.map(([a, p]) => (p === 1 ? a.key : `${a.key}^${p}`)).join('·'),
        degree: t.factors.reduce((s, [, p]) => s + p, 0),
      }))
      .sort((x, y) => y.degree - x.degree || x.monomial.localeCompare(y.monomial));
  }

  /** Exact text such as `1814073344·batch + 42`. */
  toString(): string {
    if (this.terms.length === 0) return '0';
    return joinTerms(this.orderedTerms().map((t) => ({ coef: t.coef, text: t.monomial ? (t.coef === 1 ? t.monomial : t.coef === -1 ? `-${t.monomial}` : `${t.coef}·${t.monomial}`) : `${t.coef}` })));
  }

  private static fromMap(m: Map<string, Term>): Expr {
    const terms = [...m.values()].filter((t) => t.coef !== 0).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    return new Expr(terms);
  }
}

/** Joins signed terms as `a + b - c`. */
export function joinTerms(parts: { coef: number; text: string }[]): string {
  return parts
    .map((p, i) => (i === 0 ? p.text : p.coef < 0 ? ` - ${p.text.replace(/^-/, '')}` : ` + ${p.text}`))
    .join('');
}

function substituteAtom(a: Atom, b: Bindings): Expr {
  switch (a.kind) {
    case 'sym': {
      const v = b.get(a.name!);
      return v === undefined ? Expr.sym(a.name!) : Expr.of(v);
    }
    case 'floor':
      return a.args![0].substitute(b).floorDiv(a.den!);
    case 'min':
      return a.args![0].substitute(b).min(a.args![1].substitute(b));
    case 'max':
      return a.args![0].substitute(b).max(a.args![1].substitute(b));
  }
}

function makeTerm(coef: number, factors: (readonly [Atom, number])[]): Term {
  const sorted = [...factors].sort((x, y) => (x[0].key < y[0].key ? -1 : x[0].key > y[0].key ? 1 : 0));
  return { coef, factors: sorted, key: sorted.map(([a, p]) => `${a.key}^${p}`).join('*') };
}

function multiplyTerms(x: Term, y: Term): Term {
  const powers = new Map<string, [Atom, number]>();
  for (const [a, p] of [...x.factors, ...y.factors]) {
    const have = powers.get(a.key);
    powers.set(a.key, [a, (have?.[1] ?? 0) + p]);
  }
  return makeTerm(x.coef * y.coef, [...powers.values()]);
}

function addTerm(out: Map<string, Term>, t: Term): void {
  const have = out.get(t.key);
  out.set(t.key, have ? { ...have, coef: have.coef + t.coef } : t);
}

function mergeTerms(a: readonly Term[], b: readonly Term[]): Map<string, Term> {
  const out = new Map<string, Term>();
  for (const t of [...a, ...b]) addTerm(out, t);
  return out;
}

/** Sum of many expressions without re-sorting at every step. */
export function sum(xs: Iterable<Expr>): Expr {
  let constant = 0;
  const symbolic: Expr[] = [];
  for (const x of xs) {
    const c = x.constant;
    if (c !== undefined) constant += c;
    else symbolic.push(x);
  }
  let out = Expr.of(constant);
  for (const x of symbolic) out = out.add(x);
  return out;
}

/** Product of a shape's dims. */
export function product(xs: Iterable<Expr>): Expr {
  let constant = 1;
  let out: Expr | undefined;
  for (const x of xs) {
    const c = x.constant;
    if (c !== undefined) constant *= c;
    else out = out ? out.mul(x) : x;
  }
  return out ? out.scale(constant) : Expr.of(constant);
}
