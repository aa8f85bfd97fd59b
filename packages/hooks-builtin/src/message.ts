import type { HookPayload } from "@partnerd/core/plugin";

/** An event as a person reads it in a channel: which profile, what happened, what to do. */
export interface Message {
  title: string;
  text: string;
  /** What to do next, when anything. */
  action: string | undefined;
  facts: [name: string, value: string][];
  severity: "good" | "warning" | "attention";
}

export function messageFor(payload: HookPayload): Message {
  const profile = payload.profile;
  switch (payload.event) {
    case "refreshed":
      return {
        title: `partnerd: ${profile} refreshed`,
        text: `The refresh token of profile ${profile} was ${payload.rotated ? "rotated" : "redeemed"} and stored in ${payload.stores.map((s) => s.store).join(", ")}.`,
        action: undefined,
        facts: [
          ["Profile", profile],
          ["Fingerprint", payload.fingerprint],
          ["Access token expires", payload.accessTokenExpiresAt],
          ["Refresh token expires if unused", payload.refreshTokenExpiresAt],
        ],
        severity: "good",
      };
    case "failed":
      return {
        title: `partnerd: ${profile} refresh failed (${payload.class})`,
        text: payload.message,
        action:
          payload.hint ??
          (payload.class === "transient"
            ? "Nothing yet: partnerd tries again on its schedule."
            : `Check the config and the store, then run: partnerd refresh ${profile}`),
        facts: [
          ["Profile", profile],
          ["Class", payload.class],
          ["Code", payload.aadsts === undefined ? payload.code : `AADSTS${payload.aadsts}`],
          ["At", payload.at],
        ],
        severity: payload.class === "transient" ? "warning" : "attention",
      };
    case "needs-consent":
      return {
        title: `partnerd: ${profile} needs consent`,
        text: `The refresh token of profile ${profile} was rejected: ${payload.message}`,
        action: `A person signs in again: ${payload.command}`,
        facts: [
          ["Profile", profile],
          ["Code", payload.aadsts === undefined ? payload.code : `AADSTS${payload.aadsts}`],
          ["At", payload.at],
        ],
        severity: "attention",
      };
    case "recovered":
      return {
        title: `partnerd: ${profile} recovered`,
        text: `Profile ${profile} refreshed again after failing since ${payload.failingSince}.`,
        action: undefined,
        facts: [
          ["Profile", profile],
          ["Fingerprint", payload.fingerprint],
        ],
        severity: "good",
      };
    case "expiring":
      return {
        title: `partnerd: ${profile} refresh token expiring`,
        text: `The refresh token of profile ${profile} was last redeemed ${payload.lastRedeemedAt} and dies unused on ${payload.refreshTokenExpiresAt} (${payload.daysUntilRefreshTokenExpires} days).`,
        action: payload.hint,
        facts: [
          ["Profile", profile],
          ["Reason", payload.reason],
          ["Expires", payload.refreshTokenExpiresAt],
        ],
        severity: "warning",
      };
  }
}

/** A Teams message (Workflows "post to a channel when a webhook request is received"): an Adaptive Card. */
export function teamsMessage(message: Message): Record<string, unknown> {
  const color = { good: "Good", warning: "Warning", attention: "Attention" }[message.severity];
  return {
    type: "message",
    summary: message.title,
    attachments: [
      {
        contentType: "application/vnd.microsoft.card.adaptive",
        contentUrl: null,
        content: {
          $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
          type: "AdaptiveCard",
          version: "1.4",
          body: [
            { type: "TextBlock", size: "Medium", weight: "Bolder", color, text: message.title, wrap: true },
            { type: "TextBlock", text: message.text, wrap: true },
            ...(message.action
              ? [{ type: "TextBlock", text: `**What to do:** ${message.action}`, wrap: true }]
              : []),
            { type: "FactSet", facts: message.facts.map(([title, value]) => ({ title, value })) },
          ],
        },
      },
    ],
  };
}

/** A Slack incoming-webhook message: `text` for notifications, blocks for the channel. */
export function slackMessage(message: Message): Record<string, unknown> {
  return {
    text: message.title,
    blocks: [
      { type: "header", text: { type: "plain_text", text: message.title } },
      { type: "section", text: { type: "mrkdwn", text: message.text } },
      ...(message.action
        ? [{ type: "section", text: { type: "mrkdwn", text: `*What to do:* ${message.action}` } }]
        : []),
      {
        type: "section",
        fields: message.facts.map(([name, value]) => ({ type: "mrkdwn", text: `*${name}*\n${value}` })),
      },
    ],
  };
}
