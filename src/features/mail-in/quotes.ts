/**
 * Where the history a reply quotes begins: "> " lines, "Le … a écrit :" (Thunderbird, Apple),
 * "On … wrote:" (Gmail), Outlook's "De : … / Envoyé : …" block or its "-----Message
 * d'origine-----" line. What is kept is the text above it; `cut` says whether anything was left out.
 */
const QUOTE_STARTS: RegExp[] = [
  /^>/,
  /^Le .{4,200} a écrit\s*:$/i,
  /^On .{4,200} wrote\s*:$/i,
  /^-{2,}\s*(Message d'origine|Original Message|Message transféré|Forwarded message)\s*-{2,}$/i,
  /^_{10,}$/,
];

export function cutQuoted(text: string): { kept: string; cut: boolean } {
  const lines = text.replace(/\r\n/g, '\n').split('\n').map((l) => l.trim());
  let end = lines.length;
  for (let i = 0; i < lines.length; i++) {
    // Mailers wrap a long "Le … a écrit :" over two lines.
    const withNext = `${lines[i]} ${lines[i + 1] ?? ''}`.trim();
    // "De :" alone may be the writer's own words; Outlook's block has "Envoyé :" or "Sent:" under it.
    const outlook = /^(De|From)\s*:/i.test(lines[i]) && /^(Envoyé|Sent|Date)\s*:/i.test(lines[i + 1] ?? '');
    if (outlook || QUOTE_STARTS.some((r) => r.test(lines[i]) || (/^(Le|On) /i.test(lines[i]) && r.test(withNext)))) {
      end = i;
      break;
    }
  }
  return { kept: lines.slice(0, end).join('\n').trim(), cut: end < lines.length };
}
