import { type strictObject as miniStrictObject, never, type ZodMiniObject, ZodMiniType } from "zod/mini";
import * as core from "zod/v4/core";

// Typed here: TypeScript calls an assertion signature (`init`) only through a name declared with its type.
const objectJIT: core.$constructor<core.$ZodObject> = core.$ZodObjectJIT;

/**
 * zod/mini's object, parsed as `zod`'s objects are: through a fast path compiled for the object's shape on
 * its first parse (core's `$ZodObjectJIT`) instead of zod/mini's generic walk over the shape, which cost
 * ~25 ms more to check 10,000 profiles. The rest is zod/mini's `ZodMiniObject`.
 */
const ZodMiniObjectJIT = core.$constructor<ZodMiniObject>("ZodMiniObject", (inst, def) => {
  objectJIT.init(inst, def);
  ZodMiniType.init(inst, def);
  core.util.installLazyProp(inst, "shape", (self: ZodMiniObject) => self._zod.def.shape, false);
});

/** zod/mini's `strictObject` (unknown keys are an issue), on the compiled fast path. */
export const strictObject = ((shape: core.$ZodLooseShape, params?: string | core.$ZodObjectParams) =>
  new ZodMiniObjectJIT({
    type: "object",
    shape,
    catchall: never(),
    ...core.util.normalizeParams(params),
  } as core.$ZodObjectDef)) as typeof miniStrictObject;
