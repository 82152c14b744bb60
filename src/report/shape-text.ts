/**
 * Input shapes as people type them — on the command line, in Set Input Shape…, in the panel's
 * what-if: `8x3x224x224`, `8×3×224×224`, `batch, 128`, `batchx3×224x224`. Without `×` or `,`
 * every `x` separates. With them, an `x` still separates where a number stands beside it
 * (`224x224`), so a symbol whose name holds an `x` (`max_len`) can be typed that way.
 */
export function parseShape(text: string): (number | string)[] | { error: string } {
  const t = text.trim();
  const parts = /[×,]/.test(t) ? t.split(/[×,]/).flatMap(splitNumericX) : t.split(/x/i);
  const dims: (number | string)[] = [];
  for (const raw of parts) {
    const p = raw.trim();
    if (p === '') return { error: `bad shape "${text}": use e.g. 1x3x224x224` };
    if (/^\d+$/.test(p) && Number(p) > 0) dims.push(Number(p));
    else if (/^[A-Za-z_][\w.]*$/.test(p)) dims.push(p);
    else return { error: `bad dimension "${p}" in "${text}": a positive whole number or a symbol name` };
  }
  return dims;
}

function splitNumericX(part: string): string[] {
  const pieces = part.trim().split(/x/i);
  return pieces.length > 1 && pieces.some((p) => /^\d+$/.test(p)) ? pieces : [part];
}
