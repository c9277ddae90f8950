// Which paired tensors a run prunes (KEN-SPEC "Scopes"): all, layer tensors only, or a user's name pattern.
import type { Scope } from './protocol';

export interface ScopeMatcher {
  (name: string, layer: number | null): boolean;
}

/** Builds the matcher; a bad regular expression is an error that quotes the pattern. */
export function scopeMatcher(scope: Scope): ScopeMatcher {
  switch (scope.kind) {
    case 'all':
      return () => true;
    case 'layers':
      return (_name, layer) => layer !== null;
    case 'pattern': {
      let re: RegExp;
      try {
        re = new RegExp(scope.pattern);
      } catch (err) {
        throw new Error(`Scope pattern /${scope.pattern}/ is not a valid regular expression: ${(err as Error).message}`, { cause: err });
      }
      return (name) => re.test(name);
    }
    default:
      throw new Error(`Unknown scope ${JSON.stringify(scope)}`);
  }
}
