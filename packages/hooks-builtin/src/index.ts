export { default as execHook } from "./exec.ts";
export { default as fileHook } from "./file.ts";
export { type Message, messageFor, slackMessage, teamsMessage } from "./message.ts";
export { default as webhookHook } from "./webhook.ts";
