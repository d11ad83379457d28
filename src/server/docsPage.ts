/**
 * The HTML page behind /docs: Swagger UI from local assets, initialised by a served script (no inline
 * script, so the page can carry a strict Content-Security-Policy that also keeps it off the internet).
 */

/** File name of our initializer among the docs assets. */
export const DOCS_INITIALIZER_NAME = 'mcpo-swagger-init.js';

/**
 * Reads the document URL from the page and starts Swagger UI. validatorUrl: null stops Swagger UI from
 * sending the document to validator.swagger.io.
 */
export const DOCS_INITIALIZER_JS = `window.addEventListener('load', function () {
  var root = document.getElementById('swagger-ui');
  window.ui = SwaggerUIBundle({
    url: root.getAttribute('data-openapi-url'),
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    displayRequestDuration: true,
    presets: [SwaggerUIBundle.presets.apis],
    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
    layout: 'BaseLayout'
  });
});
`;

/**
 * CSP for the page: everything from our own origin only. Swagger UI sets inline styles and renders
 * data:/blob: images (e.g. for image responses).
 */
export const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'self'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export interface DocsPageOptions {
  title: string;
  /** Absolute path of the assets directory as the browser sees it, e.g. '/root/api/docs/assets'. */
  assetsUrl: string;
  /** Absolute path of the OpenAPI document as the browser sees it. */
  openapiUrl: string;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** The /docs HTML: Swagger UI from local assets, every interpolated value HTML-escaped. */
export function renderDocsPage(options: DocsPageOptions): string {
  const assets = escapeHtml(options.assetsUrl);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(options.title)}</title>
<link rel="stylesheet" href="${assets}/swagger-ui.css">
<link rel="icon" type="image/png" sizes="32x32" href="${assets}/favicon-32x32.png">
<link rel="icon" type="image/png" sizes="16x16" href="${assets}/favicon-16x16.png">
</head>
<body>
<div id="swagger-ui" data-openapi-url="${escapeHtml(options.openapiUrl)}"></div>
<script src="${assets}/swagger-ui-bundle.js"></script>
<script src="${assets}/${DOCS_INITIALIZER_NAME}"></script>
</body>
</html>
`;
}
