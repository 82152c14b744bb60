/**
 * The analysis after an edit, from the one before it: the classes the edit can reach (slices.ts)
 * are analyzed again on a slice of the file, the others keep their results, moved by the lines
 * the edit added or removed. Results are kept with their quoted lines as positions (message.ts),
 * so moving a result moves what its texts say too.
 */
import type { Message } from '../message';
import { editRegion, type Edit } from '../parse';
import type { ClassAnalysis, Position, SourceAnalysis } from '../types';
import type { Segment, SourceGraph } from './slices';

/** An analysis with the text and segments it was made from. */
export interface Analyzed {
  text: string;
  graph: SourceGraph;
  result: SourceAnalysis<Message>;
}

/**
 * The analysis of `text` from the previous one; `analyzeSlice` analyzes a slice of it (the text
 * with the segments left out blanked). Undefined when the whole file is the better answer: a
 * dynamic file, an edited main-block header, a syntax error outside the slice, or every class
 * reached. File-level diagnostics are left empty: they come from whole-file analyses.
 */
export function mergeEdit(prev: Analyzed, text: string, graph: SourceGraph, analyzeSlice: (slice: string) => SourceAnalysis<Message>): SourceAnalysis<Message> | undefined {
  const started = performance.now();
  if (graph.dynamic || prev.graph.dynamic) return undefined;
  const edit = editRegion(prev.text, text);
  const delta = edit.newEnd - edit.oldEnd;
  const olds = prev.graph.segments;
  const oldByZone = new Map(olds.map((s, i) => [s.zoneFrom, i]));
  // Unchanged segments: the same zone text, before the edit or after it (moved).
  const toOld = new Map<number, number>();
  graph.segments.forEach((s, i) => {
    const oldFrom = s.to <= edit.start ? s.zoneFrom : s.zoneFrom >= edit.newEnd ? s.zoneFrom - delta : undefined;
    const o = oldFrom === undefined ? undefined : oldByZone.get(oldFrom);
    if (o !== undefined && olds[o].key === s.key) toOld.set(i, o);
  });
  const toNew = new Map([...toOld].map(([n, o]) => [o, n]));
  const changed = graph.segments.map((_, i) => i).filter((i) => !toOld.has(i));
  const removed = olds.map((_, i) => i).filter((o) => !toNew.has(o));
  if (changed.some((i) => graph.segments[i].header) || removed.some((o) => olds[o].header)) return undefined;

  // Classes whose slice holds a changed segment now, or held a removed one before.
  const classSegs = graph.classSegments();
  const affected = new Set<number>();
  for (const c of classSegs) {
    const slice = graph.slice(c);
    if (!toOld.has(c) || changed.some((i) => slice.has(i))) affected.add(c);
  }
  if (removed.length) {
    for (const oc of prev.graph.classSegments()) {
      const c = toNew.get(oc);
      if (c === undefined || affected.has(c)) continue;
      const slice = prev.graph.slice(oc);
      if (removed.some((o) => slice.has(o))) affected.add(c);
    }
  }
  if (classSegs.length && affected.size === classSegs.length) return undefined;

  const keep = new Set<number>();
  for (const c of affected) for (const i of graph.slice(c)) keep.add(i);
  // A syntax error left out of the slice could change how the parser reads the rest of the file.
  if (graph.segments.some((s, i) => s.info.broken && !keep.has(i))) return undefined;

  const inSegs = (line: number, segs: Iterable<number>, list: readonly Segment[]): boolean => {
    for (const i of segs) if (list[i].startLine <= line && line <= list[i].endLine) return true;
    return false;
  };
  const classes: ClassAnalysis<Message>[] = [];
  if (affected.size) {
    const part = analyzeSlice(graph.sliceText(text, keep));
    for (const c of part.classes) if (inSegs(c.range.start.line, affected, graph.segments)) classes.push(c);
  }
  const unaffectedOld = [...toNew].filter(([, n]) => !affected.has(n)).map(([o]) => o);
  const move = mover(prev.text, text, edit);
  for (const c of prev.result.classes) if (inSegs(c.range.start.line, unaffectedOld, olds)) classes.push(move(c));
  classes.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return { classes, diagnostics: [], elapsedMs: Math.round((performance.now() - started) * 100) / 100 };
}

/**
 * Moves every position after the edit by the lines (and, on its last line, columns) it changed:
 * ranges, and the lines texts quote (`on line 102`, `shape unknown after line 90`).
 */
function mover(old: string, text: string, edit: Edit): <T>(v: T) => T {
  const at = (s: string, offset: number): Position => {
    let line = 0;
    let lineStart = 0;
    for (let i = s.indexOf('\n'); i >= 0 && i < offset; i = s.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    return { line, character: offset - lineStart };
  };
  const oldEnd = at(old, edit.oldEnd);
  const newEnd = at(text, edit.newEnd);
  if (oldEnd.line === newEnd.line && oldEnd.character === newEnd.character) return (v) => v;
  const movePos = (p: Position): Position => {
    if (p.line < oldEnd.line || (p.line === oldEnd.line && p.character < oldEnd.character)) return p;
    if (p.line === oldEnd.line) return { line: newEnd.line, character: p.character - oldEnd.character + newEnd.character };
    return { line: p.line + newEnd.line - oldEnd.line, character: p.character };
  };
  const walk = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(walk);
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    if (typeof o.line === 'number' && typeof o.character === 'number') return movePos(o as unknown as Position);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) out[k] = walk(o[k]);
    return out;
  };
  return <T>(v: T): T => walk(v) as T;
}
