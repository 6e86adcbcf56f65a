/**
 * Market baskets from text in the "basket" format of R's arules (`read.transactions(format =
 * "basket", sep = ",")`): one basket per line, items separated by commas. Labels are kept
 * exactly as written, spaces included (two Groceries labels end in a space, and trimming
 * them would merge nothing but change the names users see). Only the line ending (`\n`, or
 * `\r\n`) and the separators are removed. A blank line is an empty basket, as in arules; a
 * final newline does not make one. An item repeated in a basket counts once.
 *
 * @example parseBaskets('milk,bread\nmilk\n') // [['milk', 'bread'], ['milk']]
 */
export function parseBaskets(text: string): string[][] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.map((raw) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line === '') return [];
    return [...new Set(line.split(','))];
  });
}
