/** The events a hook can subscribe to with `on:`. */
export const HOOK_EVENTS = ["refreshed", "failed", "needs-consent", "recovered", "expiring"] as const;

export type HookEventName = (typeof HOOK_EVENTS)[number];
