/**
 * Text from a repository, a cluster or a setting, made inert for a Markdown hover: every ASCII
 * punctuation character is backslash-escaped (CommonMark lets any of them be), so links, images,
 * `command:` URIs, HTML, entities, code spans, emphasis, headings and `$(icon)` syntax in the text
 * show as the characters they are. Line breaks are kept (as hard breaks), and leading spaces are
 * dropped so that an indented line cannot start a code block.
 */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/[!-/:-@[-`{-~]/g, '\\$&')
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((line) => line.replace(/^[ \t]+/, ''))
    .join('  \n');
}
