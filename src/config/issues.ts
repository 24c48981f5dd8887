/**
 * Turn schema issues (valibot's, or any Standard Schema library's) into the one-line form users see:
 * `plugins.image-server.config.port: must be <= 65535`.
 */

export interface SchemaIssue {
  message: string;
  path?: ReadonlyArray<PropertyKey | { key: unknown }> | undefined;
  type?: string;
  expected?: string | null;
  received?: string;
  kind?: string;
}

export function issuePath(issue: SchemaIssue, prefix = ''): string {
  const parts = (issue.path ?? []).map((p) => String(typeof p === 'object' && p !== null ? p.key : p));
  return [prefix, ...parts].filter(Boolean).join('.');
}

/** A short message for the common valibot issue types; anything else keeps its own message. */
export function issueMessage(issue: SchemaIssue): string {
  const { type, expected, received } = issue;
  switch (type) {
    case 'max_value': return `must be ${expected?.replace(/^<=/, '<= ')}`;
    case 'min_value': return `must be ${expected?.replace(/^>=/, '>= ')}`;
    case 'integer': return 'must be an integer';
    case 'object':
    case 'strict_object':
      if (expected === 'never') return 'unknown field';
      // A key the object schema requires, absent: valibot says `must be "module" (got undefined)`.
      if (received === 'undefined') return 'is required';
      break;
    case 'picklist': return `must be one of ${expected?.replace(/^\(|\)$/g, '').split(' | ').join(', ')} (got ${received})`;
    case 'min_length': return `must not be empty`;
    case 'regex': return issue.message.replace(/^Invalid format: /, '');
    case 'check': return issue.message;
    // A union given a message of its own (a duration: a number or a string) says what it accepts.
    case 'union': if (!issue.message.startsWith('Invalid ')) return `${issue.message} (got ${received})`; break;
  }
  if (issue.kind === 'schema' && expected && received) return `must be ${article(expected)} (got ${received})`;
  return issue.message;
}

function article(expected: string): string {
  return /^(number|string|boolean|object|array|integer)$/.test(expected) ? `${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}` : expected;
}

export function formatIssues(issues: ReadonlyArray<SchemaIssue>, prefix = ''): string {
  return issues.map((i) => {
    const where = issuePath(i, prefix);
    return where ? `${where}: ${issueMessage(i)}` : issueMessage(i);
  }).join('; ');
}
