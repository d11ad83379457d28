/**
 * Text that comes from an MCP server (tool names, error messages) placed into the Markdown of a document's
 * descriptions, which Swagger UI renders: escaped so that it cannot add links, images, HTML or emphasis.
 * (Tool and server descriptions are the server's own Markdown and stay as written.)
 */

/** `text` with Markdown's active characters backslash-escaped and runs of white space made one space. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+!|~]/g, (ch) => `\\${ch}`).replace(/\s+/g, ' ');
}

/**
 * A name (tool, server) for Markdown prose: only what could make a link, an image, HTML or a code span is
 * escaped, so ordinary names (`get_weather`) read unchanged in clients that show descriptions as plain text.
 */
export function escapeMarkdownName(name: string): string {
  return name.replace(/[\\`[\]()<>!]/g, (ch) => `\\${ch}`).replace(/\s+/g, ' ');
}
