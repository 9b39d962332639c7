import crypto from 'node:crypto';
import path from 'node:path';
import ejs from 'ejs';
import { ROOT } from '../../config.js';
import * as fmt from '../../http/format.js';
import { viewOptions } from '../../http/view-options.js';
import type { MailKind } from './mail-kinds.js';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Who a mail greets: « Bonjour Prénom Nom, ». */
export interface Addressee {
  first_name: string;
  last_name: string;
}

/**
 * Each mail is two templates, views/mail/<kind>.text.ejs and .html.ejs; the text one's first line is the subject.
 * The recipient appears only in the greeting, so the mails of one kind about one event are rendered
 * once, with stand-ins for the names, and each recipient's names are then put in their place.
 */
export class MailRenderer {
  private readonly views = path.join(ROOT, 'views');
  private readonly dir = path.join(this.views, 'mail');
  // Random per process, so that nothing a user types can pass for them.
  private readonly first = `first-${crypto.randomUUID()}`;
  private readonly last = `last-${crypto.randomUUID()}`;

  /** The mail of `kind` for each addressee, in the same order. */
  async renderEach(kind: MailKind, to: Addressee[], data: Record<string, unknown>): Promise<RenderedMail[]> {
    if (to.length === 0) return [];
    const locals = { ...data, recipient: { first_name: this.first, last_name: this.last }, fmt };
    // Partials are included by absolute name ('/mail/_head.html.ejs') under the views root, as
    // pages do: EJS then finds them without asking the disk on every include.
    const options = viewOptions(this.views, true);
    const [textWithSubject, html] = await Promise.all([
      ejs.renderFile(path.join(this.dir, `${kind}.text.ejs`), locals, { ...options, escape: (s: unknown) => String(s ?? '') }),
      ejs.renderFile(path.join(this.dir, `${kind}.html.ejs`), locals, options),
    ]);
    const [subjectLine, ...rest] = textWithSubject.replace(/^\s+/, '').split('\n');
    const subject = subjectLine.replace(/^Objet\s*:\s*/, '').replace(/[\r\n]+/g, ' ').trim();
    const text = rest.join('\n').trim() + '\n';
    // A function as replacement: a name is put in as it is, never read as a pattern ("$&").
    const address = (s: string, first: string, last: string) => s.replaceAll(this.first, () => first).replaceAll(this.last, () => last);
    return to.map((r) => ({
      subject: address(subject, r.first_name, r.last_name),
      text: address(text, r.first_name, r.last_name),
      html: address(html, ejs.escapeXML(r.first_name), ejs.escapeXML(r.last_name)),
    }));
  }
}
