import { afterEach, beforeEach, expect, vi, type MockInstance } from 'vitest';
import { errorLines } from './raw-request.ts';

/**
 * Asserts after each test of the calling file that the server logged no error and nothing wrote to
 * `console.error`: client faults must not leave stack traces behind.
 */
export function expectNoErrorLogs(logs: () => string[]): void {
  let consoleErrors: MockInstance;
  beforeEach(() => {
    consoleErrors = vi.spyOn(console, 'error');
  });
  afterEach(() => {
    expect(consoleErrors).not.toHaveBeenCalled();
    consoleErrors.mockRestore();
    expect(errorLines(logs())).toEqual([]);
  });
}
