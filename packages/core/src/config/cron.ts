import { Cron } from "croner";
import { validateDetailed } from "node-cron";

// Thousands of profiles share a handful of schedules: each expression is checked once per process.
const problems = new Map<string, string | undefined>();

/** Why `expression` is not a cron expression node-cron accepts, or `undefined` when it is fine. */
export function cronExpressionProblem(expression: string): string | undefined {
  if (problems.has(expression)) return problems.get(expression);
  const problem = checkExpression(expression);
  problems.set(expression, problem);
  return problem;
}

function checkExpression(expression: string): string | undefined {
  const result = validateDetailed(expression);
  if (result.valid) return cronerProblem(expression);
  const details = result.errors.map((e) => `${e.field}: ${fieldProblem(e.message)}`).join("; ");
  return `"${expression}" is not a valid cron expression${details ? ` (${details})` : ""}`;
}

/** The scheduler computes run times with croner: an expression it cannot read must fail validation too. */
function cronerProblem(expression: string): string | undefined {
  try {
    new Cron(expression, { domAndDow: true });
    return undefined;
  } catch (error) {
    return `"${expression}" is not a valid cron expression (${(error as Error).message})`;
  }
}

const FIELD_RANGES: Record<string, string> = {
  second: "0-59",
  minute: "0-59",
  hour: "0-23",
  "day of month": "1-31",
  month: "1-12 or jan-dec",
  "week day": "0-7 or sun-sat",
};

/** node-cron says "61 is a invalid expression for minute"; say what is allowed instead. */
function fieldProblem(message: string): string {
  const match = /^(.*) is a invalid expression for (.+)$/.exec(message);
  if (!match) return message;
  const [, value, field] = match;
  const range = FIELD_RANGES[field!];
  return `${value} is not a valid ${field}${range ? `; allowed: ${range}` : ""}`;
}

export function timeZoneProblem(timeZone: string): string | undefined {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return undefined;
  } catch {
    return `"${timeZone}" is not an IANA time zone (for example "Europe/Amsterdam" or "UTC")`;
  }
}
