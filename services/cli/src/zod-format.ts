import type { ZodError } from 'zod';

/** One line per problem: `  - path.to.field: message`. */
export function formatZodError(err: ZodError): string {
  return err.issues.map((i) => `  - ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');
}
