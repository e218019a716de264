// Catching an expected error in a test: its code, or the error itself.

/** The `code` of what `f` throws, or 'no error'. */
export const code = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'no error';
};

/** What `f` throws; fails the test when it throws nothing. */
export const errorOf = (f: () => unknown): Error & { code: string; line?: number; column?: number; path?: string } => {
  try {
    f();
  } catch (e) {
    return e as Error & { code: string; line?: number; column?: number; path?: string };
  }
  throw new Error('expected an error');
};
