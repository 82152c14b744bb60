// Lint: typescript-eslint's recommended rules, no `any`, no runtime import cycles, ONNX element
// types by name, and the layer boundaries of the README's Development table: src/ is the engine
// and sees no editor; client/ and media/ reach the server only through common/protocol.ts; the
// webview never sees the extension host's code. (tsc -b enforces the folder boundaries too: each
// layer's tsconfig.json references only the layers it may see.)
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Editor and LSP packages: only client/ (vscode, the language client) and server/ (the language server) use them. */
const EDITOR_PACKAGES = ['vscode', 'vscode-*', 'vscode-*/*'];

/** `no-restricted-imports` options forbidding the given packages. */
const banPackages = (group, message) => ({ patterns: [{ group, message }] });

/** Names that hold an ONNX TensorProto.DataType; a number literal beside them is a raw dtype code. */
const DTYPE_NAME = '/^(dtype|elemType|dataType|dt)$/';
const NUMBER = '/^[0-9]+$/';
const DTYPE_MESSAGE = 'ONNX element types by name: DataType.FLOAT (src/onnx/model.ts), not 1.';
const rawDtype = (selector) => ({ selector, message: DTYPE_MESSAGE });

export default defineConfig(
  { ignores: ['dist/', 'out/', 'node_modules/', 'test/.work/', 'bench/.work/', 'test/e2e/artifacts/', '.scratch/'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    // Build and packaging scripts run in Node; tsc does not see them, so no-undef stays on.
    files: ['**/*.mjs'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.mjs', '.js'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.mjs', '.js', '.json', '.node'] })],
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `x ?? ctx.fail(...)` and `a || b` as statements are the codebase's guard idiom.
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // Walking a linked chain (scopes, in-flight profiles) starts from `this`, which is all this rule flags here.
      '@typescript-eslint/no-this-alias': 'off',
      // Patterns over Python source match its indentation, which reads better as spaces than as ` {4}`.
      'no-regex-spaces': 'off',
      // A cycle of runtime imports leaves one module's bindings undefined while the other loads;
      // type-only imports vanish from the bundle and may cycle.
      'import-x/no-cycle': 'error',
      'import-x/no-restricted-paths': ['error', {
        zones: [
          { target: './src', from: ['./common', './server', './client', './media'], message: 'src/ is the engine: it knows nothing of the protocol, the server, the extension or the panel.' },
          { target: './common', from: ['./server', './client', './media'], message: 'common/ is shared by both sides: it sees only the engine.' },
          { target: ['./client', './media'], from: './server', message: 'client/ and media/ reach the server only through common/protocol.ts.' },
          { target: './media', from: './client', message: 'The panel (webview) cannot reach the extension host’s code.' },
          { target: './server', from: ['./client', './media'], message: 'The server does not know the editor side.' },
          {
            target: './server',
            from: './src/*/**',
            except: ['**/src/*/index.ts'],
            message: 'The server reaches a src/ folder through its index.ts.',
          },
        ],
      }],
      'no-restricted-syntax': ['error',
        rawDtype(`Property[key.name=${DTYPE_NAME}][value.raw=${NUMBER}]`),
        rawDtype(`AssignmentPattern[left.name=${DTYPE_NAME}][right.raw=${NUMBER}]`),
        rawDtype(`:matches(LogicalExpression, BinaryExpression)[right.raw=${NUMBER}]:matches([left.name=${DTYPE_NAME}], [left.property.name=${DTYPE_NAME}], [left.expression.property.name=${DTYPE_NAME}])`),
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', banPackages(EDITOR_PACKAGES, 'src/ is the engine: plain TypeScript with no editor or LSP dependency.')] },
  },
  {
    files: ['common/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', banPackages([...EDITOR_PACKAGES, '!vscode-languageserver-protocol'], 'common/ is shared by both sides: LSP message types only, no vscode API, no client or server library.')] },
  },
  {
    files: ['server/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', banPackages(['vscode', 'vscode-languageclient', 'vscode-languageclient/*'], 'The server runs outside the extension host: no vscode API, no language client.')] },
  },
  {
    files: ['media/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', banPackages(EDITOR_PACKAGES, 'The panel is a browser script: it talks to the extension by messages only.')],
      // At run time the protocol module is JSON-RPC message types; the webview bundle needs none of it.
      '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: ['**/common/protocol'], allowTypeImports: true, message: 'The panel imports only types from the protocol.' }] }],
    },
  },
);
