/**
 * SQLSTATE of a failed promise (the driver's error, or the one Drizzle wraps as its cause),
 * the error's name if it has none, undefined if it succeeded.
 */
export async function sqlstate(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    return cause?.code ?? (error as { code?: string }).code ?? (error as Error).name;
  }
}
