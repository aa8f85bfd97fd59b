import type { MODULES } from "../config/schema.ts";

export type ModuleName = (typeof MODULES)[number];

export interface ModulePreset {
  applicationId: string;
  scopes: string[];
  /** How a person consents for this module's public client. */
  consent: "device-code";
}

/** The cmdlet's `-Module` presets (PowerShellModule.KnownModules). The scope stays fixed in every cloud. */
export const MODULE_PRESETS: Record<ModuleName, ModulePreset> = {
  ExchangeOnline: {
    applicationId: "a0c73c16-a7e3-4564-9a95-2bdf47383716",
    scopes: ["https://outlook.office365.com/.default"],
    consent: "device-code",
  },
};
