import path from 'node:path';
import ejs from 'ejs';
import { ROOT } from '../../config.js';
import * as fmt from '../../http/format.js';
import type { MailKind } from './mail-kinds.js';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

/** Each mail is two templates, views/mail/<kind>.text.ejs and .html.ejs; the text one's first line is the subject. */
export class MailRenderer {
  private readonly dir = path.join(ROOT, 'views', 'mail');

  async render(kind: MailKind, data: Record<string, unknown>): Promise<RenderedMail> {
    const locals = { ...data, fmt };
    const [textWithSubject, html] = await Promise.all([
      ejs.renderFile(path.join(this.dir, `${kind}.text.ejs`), locals, { cache: true, escape: (s: unknown) => String(s ?? '') }),
      ejs.renderFile(path.join(this.dir, `${kind}.html.ejs`), locals, { cache: true }),
    ]);
    const [subjectLine, ...rest] = textWithSubject.replace(/^\s+/, '').split('\n');
    const subject = subjectLine.replace(/^Objet\s*:\s*/, '').replace(/[\r\n]+/g, ' ').trim();
    return { subject, text: rest.join('\n').trim() + '\n', html };
  }
}
