/** One line of `partnerd doctor`: what was checked, the verdict, and what was found. */
export interface CheckResult {
  check: string;
  verdict: "pass" | "warn" | "fail";
  detail: string;
}

export const pass = (check: string, detail: string): CheckResult => ({ check, verdict: "pass", detail });
export const warn = (check: string, detail: string): CheckResult => ({ check, verdict: "warn", detail });
export const fail = (check: string, detail: string): CheckResult => ({ check, verdict: "fail", detail });

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
