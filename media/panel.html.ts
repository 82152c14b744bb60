/**
 * The profile panel's HTML document. Runs in the extension host (no DOM, no dependencies): the
 * client calls it with the webview's values; test/webview.test.ts serves it to Chromium.
 */

export interface PanelHtmlOptions {
  /** `webview.cspSource`: where the stylesheet and fonts may come from. */
  cspSource: string;
  /** A fresh random value per document: the only script allowed is the one carrying it. */
  nonce: string;
  /** dist/media/panel.js as a webview URI. */
  scriptUri: string;
  /** dist/media/panel.css as a webview URI. */
  styleUri: string;
}

/** Escapes a value for a double-quoted attribute (and the CSP meta tag's content). */
function attr(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function panelHtml({ cspSource, nonce, scriptUri, styleUri }: PanelHtmlOptions): string {
  // Nothing inline runs or styles without the nonce; element.style assignments from the script
  // are CSSOM, which style-src does not govern, so bar widths need no 'unsafe-inline'. The
  // toolkit (FAST) reads the nonce from the csp-nonce meta tag for the <style> probe it inserts.
  const csp = [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    `img-src ${cspSource} data:`,
  ].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<meta property="csp-nonce" content="${attr(nonce)}">
<link rel="stylesheet" href="${attr(styleUri)}" nonce="${attr(nonce)}">
<title>FlopLens profile</title>
</head>
<body>
<p class="loading">Loading the profile…</p>
<script nonce="${attr(nonce)}" src="${attr(scriptUri)}"></script>
</body>
</html>
`;
}
