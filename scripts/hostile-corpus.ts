/**
 * Writes the hostile-input corpus (test/helpers/hostile-corpus.ts) into a folder, to try by hand:
 *
 *   npm run hostile-corpus -- /tmp/hostile
 *   node dist/cli.js profile /tmp/hostile/lying-raw-data.onnx
 *   code /tmp/hostile          # a workspace holding every case
 *
 * About 2.5 GB of apparent size, mostly sparse.
 */
import { writeHostileCorpus } from '../test/helpers/hostile-corpus';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: npm run hostile-corpus -- <folder>');
  process.exit(1);
}
void writeHostileCorpus(dir).then((cases) => {
  for (const c of cases) console.log(`${c.name.padEnd(28)} ${c.attack}`);
});
