/**
 * Python sources that try to exhaust the static analysis' evaluator: huge or deeply shared values,
 * work on them inside builtins, deep nesting of values, code and brackets. Each ends with a model
 * whose layer size depends on what the hostile code computed (`PROBE`), so a test (and
 * bench/python-hostile-bench.ts) can check that the analysis returns, says why it stopped, and
 * does not show that layer's figure as exact. Generated here, never committed as files.
 */

/** The model every case ends with: its `fc` is as wide as PROBE. */
export const PROBE_MODEL = `
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(PROBE, 4)

    def forward(self, x):
        return self.fc(x)
`;

export interface HostileCase {
  name: string;
  /** Module-level code that sets PROBE (or fails to). */
  code: string;
  /** What the analysis must say: in a diagnostic, or as why Net's parameters are unknown. */
  reason: RegExp;
}

/** `a` holds 100,000 ints once `b` (90,000 references to it) is built: b prints 9·10^9 zeros. */
const SHARED_GROWN = `a = [0] * 10
b = [a] * 90000
a.extend([0] * 99990)
`;

const deep = (open: string, close: string, n = 100_000): string => `PROBE = ${open.repeat(n)}1${close.repeat(n)}\n`;

const STEPS = /stopped after 200,000 evaluation steps/;

export const HOSTILE_CASES: HostileCase[] = [
  // Sizes refused before anything is allocated.
  { name: 'repetition of a shared list: [a] * 100000, a of 100,000', code: 'a = [0] * 100000\nb = [a] * 100000\ns = str(b)\nc = b == b\nd = sorted(b)\nPROBE = len(s)\n', reason: /a list of more than 1,000,000 elements \(nested ones included\) is not built: 100,000 copies of 100,001/ },
  { name: 'str() of a shared list grown after it was built', code: `${SHARED_GROWN}s = str(b)\nPROBE = len(s)\n`, reason: /a string of more than 1,000,000 characters is not built/ },
  { name: 'repr in an f-string of the same', code: `${SHARED_GROWN}s = f"{b!r}"\nPROBE = len(s)\n`, reason: /a string of more than 1,000,000 characters is not built/ },
  { name: '% formatting of the same', code: `${SHARED_GROWN}s = "%s" % (b,)\nPROBE = len(s)\n`, reason: /a string of more than 1,000,000 characters is not built/ },
  { name: 'string repetition', code: 's = "ab" * 600000\nPROBE = len(s)\n', reason: /a string of 1,200,000 characters is not built \(more than 1,000,000\)/ },
  { name: 'string concatenation', code: 's = "x" * 600000\ns = s + s\nPROBE = len(s)\n', reason: /a string of 1,200,000 characters is not built/ },
  { name: 'join', code: 's = ",".join(["x" * 1000] * 1000)\nPROBE = len(s)\n', reason: /a string of 1,000,999 characters is not built/ },
  { name: 'replace that grows', code: 's = ("a" * 1000000).replace("a", "bb")\nPROBE = len(s)\n', reason: /a string of 2,000,000 characters is not built/ },
  { name: 'f-string field width', code: 'PROBE = len(f"{1:999999999}")\n', reason: /a string of more than 1,000,000 characters is not built/ },
  { name: '% field width', code: 'PROBE = len("%999999999d" % 1)\n', reason: /a string of more than 1,000,000 characters is not built/ },
  { name: 'str.format field width', code: 'PROBE = len("{:>999999999}".format(1))\n', reason: /a string of more than 1,000,000 characters is not built/ },
  { name: 'format() width', code: 'PROBE = len(format(1, "999999999"))\n', reason: /a string of more than 1,000,000 characters is not built/ },
  { name: 'comprehension of a shared list', code: 'a = list(range(1000))\nx = [a for _ in range(5000)]\nPROBE = len(x)\n', reason: /the comprehension makes more than 1,000,000 elements \(nested ones included\)/ },
  { name: 'range materialized', code: 'PROBE = len(list(range(10**8)))\n', reason: /a range of 100,000,000 items is not expanded \(more than 1,000,000\)/ },
  { name: 'list concatenation', code: 'x = [0] * 600000\nx = x + x\nPROBE = len(x)\n', reason: /a list of 1,200,000 items is not built/ },
  { name: 'doubling by literals: x = [x, x]', code: 'x = [0]\nfor i in range(100):\n    x = [x, x]\nPROBE = len(str(x))\n', reason: /a list of more than 1,000,000 elements \(nested ones included\) is not built/ },
  { name: '+= that doubles', code: 'x = [0] * 1000\nfor i in range(100):\n    x += x\nPROBE = len(x)\n', reason: /line 4 not followed: it stopped: a list would grow past 1,000,000 elements/ },
  { name: 'extend with itself', code: 'x = [0] * 1000\nfor i in range(100):\n    x.extend(x)\nPROBE = len(x)\n', reason: /a list would grow past 1,000,000 elements/ },
  { name: 'append of a shared list', code: 'a = list(range(1000))\nx = []\nfor i in range(5000):\n    x.append(a)\nPROBE = len(x)\n', reason: /a list would grow past 1,000,000 elements/ },
  // Work inside builtins, charged to the step budget.
  { name: '== of two structures of 9·10^9 elements', code: `${SHARED_GROWN}a2 = [0] * 10\nc = [a2] * 90000\na2.extend([0] * 99990)\nPROBE = 4 if b == c else 8\n`, reason: STEPS },
  { name: 'in over the same', code: `${SHARED_GROWN}x = [0] * 99999 + [1]\nPROBE = 4 if x in b else 8\n`, reason: STEPS },
  { name: 'sorted() of a million numbers', code: 'PROBE = len(sorted(list(range(1000000))))\n', reason: STEPS },
  { name: 'slices of a big list in a loop', code: 'a = list(range(1000000))\nfor i in range(1000):\n    y = a[1:]\nPROBE = len(y)\n', reason: STEPS },
  { name: 'a big tuple hashed as a key in a loop', code: 't = tuple(range(100000))\nd = {}\nfor i in range(5000):\n    d[t] = i\nPROBE = len(d)\n', reason: STEPS },
  { name: 'a forward through 100,000 shared layers', code: 'seq = nn.Sequential(*([nn.Linear(4, 4)] * 100000))\nPROBE = seq(torch.zeros(1, 4)).shape[1]\n', reason: STEPS },
  { name: 'count() over the same', code: `${SHARED_GROWN}x = [0] * 99999 + [1]\nPROBE = b.count(x) + 1\n`, reason: STEPS },
  { name: 'a view to 1,000,000 dims', code: 'x = torch.zeros(2, 3)\ny = x.view(*([1] * 999994), 2, 3)\nPROBE = (y + y).dim()\n', reason: /shape of 999,996 dims is not followed \(more than 64\)/ },
  { name: 'a Sequential of 1,000,000 layers', code: 'PROBE = len(nn.Sequential(*([nn.Linear(4, 4)] * 1000000)))\n', reason: /a Sequential of 1,000,000 items is not built \(more than 100,000\)/ },
  // Nesting past Python's own limits.
  { name: 'str() of a list nested 5,000 deep', code: 'x = []\nfor i in range(5000):\n    x = [x]\nPROBE = len(str(x))\n', reason: /str\(\) of a list nests more than 1,000 deep \(Python raises RecursionError\)/ },
  { name: '== of lists nested 5,000 deep', code: 'x = []\ny = []\nfor i in range(5000):\n    x = [x]\n    y = [y]\nPROBE = 4 if x == y else 8\n', reason: /a comparison of lists nests more than 1,000 deep/ },
  { name: 'a tuple nested 5,000 deep as a dict key', code: 't = ()\nfor i in range(5000):\n    t = (t,)\nd = {t: 1}\nPROBE = d[t]\n', reason: /a tuple used as a key nests more than 1,000 deep/ },
  { name: 'recursion through deeply nested expressions', code: `def f(n):\n    return ${'['.repeat(100)}f(n + 1)${']'.repeat(100)}\nPROBE = len(f(0))\n`, reason: /expressions and calls nest more than 400 deep/ },
  { name: '100,000 nested parentheses', code: deep('(', ')'), reason: /brackets nested more than 200 deep on line 3 \(Python's own limit\)/ },
  { name: '100,000 nested lists', code: deep('[', ']'), reason: /brackets nested more than 200 deep on line 3/ },
  { name: '100,000 nested sets', code: deep('{', '}'), reason: /brackets nested more than 200 deep on line 3/ },
  { name: '100,000 nested dicts', code: deep('{1: ', '}'), reason: /brackets nested more than 200 deep on line 3/ },
  { name: '100,000 nested calls', code: deep('int(', ')'), reason: /brackets nested more than 200 deep on line 3/ },
  { name: '100,000 nested subscripts', code: `PROBE = ${'x['.repeat(100_000)}0${']'.repeat(100_000)}\n`, reason: /brackets nested more than 200 deep on line 3/ },
  { name: '100,000 nested lambdas', code: `PROBE = (${'lambda: '.repeat(100_000)}1)()\n`, reason: /syntax error on line 3|nested too deeply/ },
  { name: '100,000 nested conditionals', code: `PROBE = ${'1 if 1 else '.repeat(100_000)}1\n`, reason: /syntax error on line 3|nested too deeply/ },
];

/** The whole file of one case. */
export function hostileSource(c: HostileCase): string {
  return `import torch\nimport torch.nn as nn\n${c.code}${PROBE_MODEL}`;
}
