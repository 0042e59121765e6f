/** A problem Prometheus' lexer reports before any grammar rule: where (an offset) and its words. */
export interface LexicalProblem {
  at: number;
  message: string;
}

const CLOSERS: Record<string, string> = { ')': '(', '}': '{', ']': '[' };

/**
 * The unbalanced bracket or unterminated string in a query that does not parse, worded and placed as
 * Prometheus 2.42's lexer (`promql/parser/lex.go`) reports it. Lezer's error recovery only says where
 * parsing stopped; these are the mistakes people make most, so they get Prometheus' words. Strings and
 * comments are skipped as the lexer skips them; anything else is left to the grammar's message.
 */
export function lexicalProblem(input: string): LexicalProblem | undefined {
  const open: string[] = [];
  for (let i = 0; i < input.length; i++) {
    const ch = input[i]!;
    if (ch === '#') {
      while (i < input.length && input[i] !== '\n') i++;
      continue;
    }
    if (ch === '"' || ch === "'" || ch === '`') {
      const start = i;
      for (i++; i < input.length && input[i] !== ch; i++) {
        if (ch !== '`' && input[i] === '\\') i++;
        else if (ch !== '`' && input[i] === '\n') break;
      }
      if (i >= input.length || input[i] !== ch) {
        return { at: start, message: ch === '`' ? 'unterminated raw string' : 'unterminated quoted string' };
      }
      continue;
    }
    if (ch === '(' || ch === '{' || ch === '[') open.push(ch);
    else if (ch === ')' || ch === '}' || ch === ']') {
      if (open.at(-1) === CLOSERS[ch]) {
        open.pop();
        continue;
      }
      // The lexer reports a stray ')' after taking it, and other closers where they stand.
      if (open.at(-1) === '{') return { at: i, message: `unexpected character inside braces: '${ch}'` };
      if (ch === ')') return { at: i + 1, message: "unexpected right parenthesis ')'" };
      return { at: i, message: `unexpected character: '${ch}'` };
    }
  }
  const last = open.at(-1);
  if (last === undefined) return undefined;
  const end = input.length;
  if (last === '{') return { at: end, message: 'unexpected end of input inside braces' };
  if (last === '[') return { at: end, message: 'unclosed left bracket' };
  return { at: end, message: 'unclosed left parenthesis' };
}
