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
  private cachedSymbols?: readonly string[];
  private cachedText?: string;

  private constructor(private readonly terms: readonly Term[]) {}

  /** Small constants are interned: dims and attribute values repeat endlessly in a graph. */
  private static readonly small: Expr[] = [];

  static readonly ZERO = new Expr([]);
  static readonly ONE = Expr.of(1);

  static of(n: number): Expr {
    if (!Number.isInteger(n)) throw new RangeError(`not an integer: ${n}`);
    if (n >= 0 && n < 4096) {
      const hit = Expr.small[n];
      if (hit) return hit;
      const made = new Expr(n === 0 ? [] : [{ key: '', coef: n, factors: [] }]);
      Expr.small[n] = made;
      return made;
    }
    return new Expr([{ key: '', coef: n, factors: [] }]);
  }

  static sym(name: string): Expr {
    return Expr.atom({ key: name, kind: 'sym', name });
  }

  private static atom(a: Atom): Expr {
    return new Expr([{ key: `${a.key}^1`, coef: 1, factors: [[a, 1]] }]);
  }

  /** The constant value, or undefined when the expression depends on a symbol. */
  get constant(): number | undefined {
    if (this.terms.length === 0) return 0;
    return this.terms.length === 1 && this.terms[0].key === '' ? this.terms[0].coef : undefined;
  }

  get isConstant(): boolean {
    return this.constant !== undefined;
  }

  /** More than one term: a factor of a printed product then needs parentheses. */
  get isSum(): boolean {
    return this.terms.length > 1;
  }

  add(o: Expr | number): Expr {
    const other = typeof o === 'number' ? Expr.of(o) : o;
    if (other.terms.length === 0) return this;
    if (this.terms.length === 0) return other;
    const a = this.constant;
    const b = other.constant;
    if (a !== undefined && b !== undefined) return Expr.of(a + b);
    return new Expr(mergeSorted(this.terms, other.terms));
  }

  /**
   * Adds many expressions and a constant at once (see `sum`): their terms are sorted by key in
   * one go (stably, so like terms add up in the order given) and each run of like terms becomes
   * one term. Layer-tree roll-ups sum thousands of rows; no map or per-step term is made.
   */
  static collect(xs: readonly Expr[], constant = 0): Expr {
    let count = 1;
    for (const x of xs) count += x.terms.length;
    const all = new Array<Term>(count);
    // Slot 0 holds the constant term, whose key sorts first. Each expression's own constant is
    // added there: copied in place it would break the order of terms that are otherwise sorted.
    let n = 1;
    for (const x of xs) {
      for (const t of x.terms) {
        if (t.key === '') constant += t.coef;
        else all[n++] = t;
      }
    }
    all[0] = { key: '', coef: constant, factors: [] };
    all.length = n;
    return new Expr(addLikeTerms(sortTerms(all)));
  }

  sub(o: Expr | number): Expr {
    const other = typeof o === 'number' ? Expr.of(o) : o;
    return this.add(other.scale(-1));
  }

  scale(k: number): Expr {
    if (k === 0) return Expr.ZERO;
    if (k === 1) return this;
    const c = this.constant;
    if (c !== undefined) return Expr.of(c * k);
    return new Expr(this.terms.map((t) => ({ key: t.key, coef: t.coef * k, factors: t.factors })));
  }

  mul(o: Expr | number): Expr {
    if (typeof o === 'number') return this.scale(o);
    const a = this.constant;
    if (a !== undefined) return o.scale(a);
    const b = o.constant;
    if (b !== undefined) return this.scale(b);
    if (this.terms.length === 1 && o.terms.length === 1) return new Expr([multiplyTerms(this.terms[0], o.terms[0])]);
    let out: Term[] = [];
    for (const x of this.terms) out = mergeSorted(out, sortTerms(o.terms.map((y) => multiplyTerms(x, y))));
    return new Expr(out);
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
    const whole: Term[] = [];
    const rest: Term[] = [];
    for (const t of this.terms) {
      const q = Math.floor(t.coef / d);
      const r = t.coef - q * d;
      if (q !== 0) whole.push({ key: t.key, coef: q, factors: t.factors });
      if (r !== 0) rest.push({ key: t.key, coef: r, factors: t.factors });
    }
    const quotient = new Expr(whole);
    // Remainders of the symbolic terms are below d; a lone constant remainder in [0, d) floors to 0.
    if (rest.length === 0 || (rest.length === 1 && rest[0].key === '')) return quotient;
    const nested = nestedFloor(rest, d);
    if (nested) return quotient.add(nested);
    const r = new Expr(rest);
    return quotient.add(Expr.atom({ key: `floor((${r})/${d})`, kind: 'floor', args: [r], den: d }));
  }

  /** ceil(this / d) for a positive integer d. */
  ceilDiv(d: number): Expr {
    return this.add(d - 1).floorDiv(d);
  }

  private exactDivConst(d: number): Expr {
    return new Expr(this.terms.map((t) => ({ key: t.key, coef: t.coef / d, factors: t.factors })));
  }

  /**
   * this / o when the quotient is a polynomial we can find: o a constant dividing every
   * coefficient, or o a single term whose factors divide every term. Otherwise undefined.
   */
  divExact(o: Expr): Expr | undefined {
    const k = o.constant;
    if (k !== undefined) {
      if (k === 0) return undefined;
      const c = this.constant;
      if (c !== undefined) return c % k === 0 ? Expr.of(c / k) : undefined;
      return this.terms.every((t) => t.coef % k === 0) ? this.exactDivConst(k) : undefined;
    }
    if (o.terms.length !== 1) return this.equals(o) ? Expr.ONE : undefined;
    const [div] = o.terms;
    const out: Term[] = [];
    for (const t of this.terms) {
      if (t.coef % div.coef !== 0) return undefined;
      const powers = new Map(t.factors.map(([a, p]) => [a.key, [a, p] as [Atom, number]]));
      for (const [a, p] of div.factors) {
        const have = powers.get(a.key);
        if (!have || have[1] < p) return undefined;
        if (have[1] === p) powers.delete(a.key);
        else powers.set(a.key, [a, have[1] - p]);
      }
      out.push(makeTerm(t.coef / div.coef, [...powers.values()]));
    }
    return new Expr(addLikeTerms(sortTerms(out)));
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
    if (this.isConstant || b.size === 0 || !this.symbols().some((s) => b.has(s))) return this;
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

  /** A float value with every symbol set to `value`: for ranking expressions, never reported. */
  approximate(value: number): number {
    let total = 0;
    for (const t of this.terms) {
      let term = t.coef;
      for (const [a, p] of t.factors) term *= approximateAtom(a, value) ** p;
      total += term;
    }
    return total;
  }

  /** Names of the symbols this expression depends on. */
  symbols(): readonly string[] {
    if (this.cachedSymbols) return this.cachedSymbols;
    const out = new Set<string>();
    for (const t of this.terms) {
      for (const [a] of t.factors) {
        if (a.kind === 'sym') out.add(a.name!);
        else a.args!.forEach((e) => e.symbols().forEach((s) => out.add(s)));
      }
    }
    this.cachedSymbols = [...out].sort();
    return this.cachedSymbols;
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
    if (this.cachedText !== undefined) return this.cachedText;
    if (this.terms.length === 0) return '0';
    this.cachedText = joinTerms(this.orderedTerms().map((t) => ({ coef: t.coef, text: t.monomial ? (t.coef === 1 ? t.monomial : t.coef === -1 ? `-${t.monomial}` : `${t.coef}·${t.monomial}`) : `${t.coef}` })));
    return this.cachedText;
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

/**
 * floor((floor(n/a) + b)/d) = floor((n + a·b)/(a·d)) for integers n, b and positive a, d: strided
 * layers in a row (floor((floor((h + 1)/2) + 1)/2)) collapse to one readable floor((h + 3)/4).
 */
function nestedFloor(rest: Term[], d: number): Expr | undefined {
  const constant = rest.find((t) => t.key === '')?.coef ?? 0;
  const symbolic = rest.filter((t) => t.key !== '');
  if (symbolic.length !== 1 || symbolic[0].coef !== 1 || symbolic[0].factors.length !== 1) return undefined;
  const [atom, power] = symbolic[0].factors[0];
  if (atom.kind !== 'floor' || power !== 1) return undefined;
  return atom.args![0].add(atom.den! * constant).floorDiv(atom.den! * d);
}

function approximateAtom(a: Atom, value: number): number {
  switch (a.kind) {
    case 'sym':
      return value;
    case 'floor':
      return Math.floor(a.args![0].approximate(value) / a.den!);
    case 'min':
      return Math.min(a.args![0].approximate(value), a.args![1].approximate(value));
    case 'max':
      return Math.max(a.args![0].approximate(value), a.args![1].approximate(value));
  }
}

function makeTerm(coef: number, factors: (readonly [Atom, number])[]): Term {
  const sorted = factors.length > 1 ? [...factors].sort((x, y) => (x[0].key < y[0].key ? -1 : x[0].key > y[0].key ? 1 : 0)) : factors;
  return { coef, factors: sorted, key: sorted.map(([a, p]) => `${a.key}^${p}`).join('*') };
}

/** Multiplies monomials by merging their key-sorted factor lists. */
function multiplyTerms(x: Term, y: Term): Term {
  const coef = x.coef * y.coef;
  if (x.factors.length === 0) return { key: y.key, coef, factors: y.factors };
  if (y.factors.length === 0) return { key: x.key, coef, factors: x.factors };
  const a = x.factors;
  const b = y.factors;
  // Made at its largest size and cut to length, as in mergeSorted.
  const factors = new Array<readonly [Atom, number]>(a.length + b.length);
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (j >= b.length || (i < a.length && a[i][0].key < b[j][0].key)) factors[n++] = a[i++];
    else if (i >= a.length || b[j][0].key < a[i][0].key) factors[n++] = b[j++];
    else factors[n++] = [a[i][0], a[i++][1] + b[j++][1]];
  }
  factors.length = n;
  return { coef, factors, key: factors.map(([f, p]) => `${f.key}^${p}`).join('*') };
}

function sortTerms(ts: Term[]): Term[] {
  // Array.prototype.sort sets up about a kilobyte of bookkeeping per call, and terms gathered
  // from expressions with the same monomials (a layer's rows) are mostly in order already.
  for (let i = 1; i < ts.length; i++) {
    if (ts[i - 1].key > ts[i].key) return ts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
  return ts;
}

/**
 * Adds runs of like terms in a key-sorted list, dropping zeros; a lone term is kept as it is.
 * The list is compacted in place and returned.
 */
function addLikeTerms(sorted: Term[]): Term[] {
  let n = 0;
  for (let i = 0; i < sorted.length; ) {
    const first = sorted[i];
    let coef = first.coef;
    let j = i + 1;
    for (; j < sorted.length && sorted[j].key === first.key; j++) coef += sorted[j].coef;
    if (coef !== 0) sorted[n++] = j === i + 1 ? first : { key: first.key, coef, factors: first.factors };
    i = j;
  }
  sorted.length = n;
  return sorted;
}

/**
 * Merges two key-sorted term lists, adding like terms and dropping zeros. The result is made at
 * its largest size and cut to length: sums are kept by the tens of thousands (report rows), and
 * an array grown by push would keep room for 16 more terms in each.
 */
function mergeSorted(a: readonly Term[], b: readonly Term[]): Term[] {
  const out = new Array<Term>(a.length + b.length);
  let n = 0;
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const t = j >= b.length || (i < a.length && a[i].key <= b[j].key) ? a[i++] : b[j++];
    out[n++] = t;
  }
  return addLikeTerms(out);
}

/** Sum of many expressions: like terms are collected in one pass, sorted once. */
export function sum(xs: Iterable<Expr>): Expr {
  let constant = 0;
  let symbolic: Expr[] | undefined;
  for (const x of xs) {
    const c = x.constant;
    if (c !== undefined) constant += c;
    else (symbolic ??= []).push(x);
  }
  if (!symbolic) return Expr.of(constant);
  if (symbolic.length === 1) return symbolic[0].add(constant);
  return Expr.collect(symbolic, constant);
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
