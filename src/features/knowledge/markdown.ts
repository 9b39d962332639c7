import { Marked } from 'marked';
import sanitizeHtml from 'sanitize-html';

// Markdown written by admins, shown to everyone: rendered, then sanitised with an allow-list,
// so that a <script>, an onerror= or a javascript: link comes out inert.
const marked = new Marked({ gfm: true, breaks: true, async: false });

const ALLOWED = {
  allowedTags: ['p', 'br', 'strong', 'em', 'del', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'h2', 'h3', 'h4', 'hr', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  allowedAttributes: { a: ['href', 'title'], th: ['align'], td: ['align'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  transformTags: {
    h1: 'h2',
    a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer' }),
  },
  disallowedTagsMode: 'escape' as const,
};

export function renderMarkdown(source: string): string {
  const html = marked.parse(source) as string;
  return sanitizeHtml(html, { ...ALLOWED, allowedAttributes: { ...ALLOWED.allowedAttributes, a: ['href', 'title', 'rel'] } });
}

/** Plain text of an article, for search and excerpts. */
export function markdownText(source: string): string {
  return sanitizeHtml(marked.parse(source) as string, { allowedTags: [], allowedAttributes: {} }).replace(/\s+/g, ' ').trim();
}
