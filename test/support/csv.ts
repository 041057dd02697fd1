/**
 * Reading our CSV exports back in the tests with a parser of their own, independent of the code
 * that writes them (services/api/src/csv.ts).
 */

/**
 * RFC 4180: fields separated by commas, rows by CRLF; quoted fields may hold commas, quotes
 * (doubled) and line breaks. Our exports end every row with CRLF, the last one too: text that
 * does not is refused. Pass the text without its BOM.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += ch;
  }
  if (quoted) throw new Error('CSV ends inside a quoted field');
  if (field || row.length) throw new Error('CSV does not end with CRLF');
  return rows;
}
