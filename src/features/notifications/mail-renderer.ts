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

/** Each mail is two templates, views/mail/<kind>.text.ejs and .html.ejs; the text one's first line is the subject. */
export class MailRenderer {
  private readonly views = path.join(ROOT, 'views');
  private readonly dir = path.join(this.views, 'mail');
  // Partials are included by absolute name ('/mail/_head.html.ejs') under the views root, as pages do.
  private readonly options = viewOptions(this.views, true);

  async render(kind: MailKind, recipient: Addressee, data: Record<string, unknown>): Promise<RenderedMail> {
    const locals = { ...data, recipient, fmt };
    const [textWithSubject, html] = await Promise.all([
      ejs.renderFile(path.join(this.dir, `${kind}.text.ejs`), locals, { ...this.options, escape: (s: unknown) => String(s ?? '') }),
      ejs.renderFile(path.join(this.dir, `${kind}.html.ejs`), locals, this.options),
    ]);
    const [subjectLine, ...rest] = textWithSubject.replace(/^\s+/, '').split('\n');
    const subject = subjectLine.replace(/^Objet\s*:\s*/, '').replace(/[\r\n]+/g, ' ').trim();
    return { subject, text: rest.join('\n').trim() + '\n', html };
  }
}
