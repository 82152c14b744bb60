/**
 * Tests wait for events, never for time, so no outcome depends on the machine's speed. These
 * limits only turn a hang (a server that never answers, an element that never shows) into a
 * failure naming what it waited for, before CI's own limit; no healthy run comes near them,
 * however loaded the machine.
 */

/** One wait for something to happen: an answer, a diagnostic, a log line, a page element. */
export const WAIT_MS = 5 * 60_000;

/** A whole suite or a step of unbounded but finite work (an exact-mode export of VGG16). */
export const SUITE_MS = 30 * 60_000;
