// The request bodies as TypeBox schemas: one definition gives the runtime validation (compiled
// once) and, through Static<>, a compile-time check that it agrees with the shared types in
// model/api.ts. Limits that a schema cannot express (sum of quantities) are checked in update.ts.
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';
import type { ApiError, IntegrationRequest, ReturnIntegrationRequest } from '../../model/api.ts';
import { LIMITS, RESPONSE_CONTENT, RETURN_RESPONSE_CONTENT, SESSION_STATES } from '../../model/limits.ts';

const Attributes = Type.Record(Type.String(), Type.Unknown());
const AdditionalCost = Type.Object({ price: Type.Number() });
const AdditionalCosts = Type.Record(Type.String(), AdditionalCost);

export const CartItemSchema = Type.Object({
  sku: Type.String({ minLength: 1 }),
  quantity: Type.Integer({ minimum: LIMITS.minQuantity }),
  name: Type.Optional(Type.String()),
  price: Type.Optional(Type.Number()),
  category: Type.Optional(Type.String()),
  product: Type.Optional(Type.Object({ name: Type.String() })),
  weight: Type.Optional(Type.Number()),
  height: Type.Optional(Type.Number()),
  width: Type.Optional(Type.Number()),
  length: Type.Optional(Type.Number()),
  attributes: Type.Optional(Attributes),
  additionalCosts: Type.Optional(AdditionalCosts),
});

export const NewCustomerSessionSchema = Type.Object({
  profileId: Type.Optional(Type.String()),
  storeIntegrationId: Type.Optional(
    Type.String({ minLength: LIMITS.minStoreIdLength, maxLength: LIMITS.maxStoreIdLength }),
  ),
  evaluableCampaignIds: Type.Optional(Type.Array(Type.Integer())),
  couponCodes: Type.Optional(Type.Array(Type.String({ maxLength: LIMITS.maxCouponCodeLength }))),
  referralCode: Type.Optional(Type.String({ maxLength: LIMITS.maxReferralCodeLength })),
  loyaltyCards: Type.Optional(Type.Array(Type.String(), { maxItems: LIMITS.maxLoyaltyCards })),
  state: Type.Optional(Type.Union(SESSION_STATES.map((s) => Type.Literal(s)))),
  cartItems: Type.Optional(Type.Array(CartItemSchema, { maxItems: LIMITS.maxCartItems })),
  experimentVariantAllocations: Type.Optional(
    Type.Array(Type.Object({ experimentID: Type.Integer(), variantID: Type.Integer() })),
  ),
  additionalCosts: Type.Optional(AdditionalCosts),
  identifiers: Type.Optional(Type.Array(Type.String(), { maxItems: LIMITS.maxIdentifiers })),
  attributes: Type.Optional(Attributes),
});

export const IntegrationRequestSchema = Type.Object({
  customerSession: NewCustomerSessionSchema,
  responseContent: Type.Optional(Type.Array(Type.Union(RESPONSE_CONTENT.map((v) => Type.Literal(v))))),
});

export const ReturnRequestSchema = Type.Object({
  return: Type.Object({
    returnedCartItems: Type.Array(
      Type.Object({
        position: Type.Optional(Type.Integer({ minimum: 0 })),
        quantity: Type.Optional(Type.Integer({ minimum: 1 })),
        sku: Type.Optional(Type.String({ minLength: 1 })),
      }),
      { minItems: 1, maxItems: LIMITS.maxCartItems },
    ),
  }),
  responseContent: Type.Optional(Type.Array(Type.Union(RETURN_RESPONSE_CONTENT.map((v) => Type.Literal(v))))),
});

// Compile-time proof that what the schemas accept is what the shared types describe: if someone
// changes one without the other, `tsc` fails here.
const _updateAgrees = (v: Static<typeof IntegrationRequestSchema>): IntegrationRequest => v;
// Talon.One lets a returned item name its cart item by position or by sku, so the schema has
// position optional where the shared type (what cartload sends) requires it: the check maps that one field.
const _returnAgrees = (v: Static<typeof ReturnRequestSchema>): ReturnIntegrationRequest => ({
  ...v,
  return: { returnedCartItems: v.return.returnedCartItems.map((r) => ({ ...r, position: r.position ?? 0 })) },
});
void _updateAgrees;
void _returnAgrees;

export type UpdateBody = Static<typeof IntegrationRequestSchema>;
export type ReturnBody = Static<typeof ReturnRequestSchema>;

export const checkUpdateBody: TypeCheck<typeof IntegrationRequestSchema> =
  TypeCompiler.Compile(IntegrationRequestSchema);
export const checkReturnBody: TypeCheck<typeof ReturnRequestSchema> = TypeCompiler.Compile(ReturnRequestSchema);

const MAX_REPORTED_ERRORS = 20;

function describe(e: ValueError): ApiError {
  const schema = e.schema as TSchema & { maxItems?: number };
  switch (e.type) {
    case ValueErrorType.ArrayMaxItems:
      // Point at the first element beyond the limit, as Talon.One does (/customerSession/cartItems/1000).
      return {
        title: 'Too many items',
        details: `${e.path} has ${(e.value as unknown[]).length} items; at most ${schema.maxItems} are allowed`,
        source: { pointer: `${e.path}/${schema.maxItems}` },
      };
    case ValueErrorType.Union: {
      const allowed = ((e.schema as TSchema & { anyOf?: { const?: unknown }[] }).anyOf ?? []).map((s) =>
        JSON.stringify(s.const),
      );
      return {
        title: 'Invalid value',
        details: `${e.path} is ${JSON.stringify(e.value)}; allowed: ${allowed.join(', ')}`,
        source: { pointer: e.path },
      };
    }
    case ValueErrorType.ObjectRequiredProperty:
      return { title: 'Missing required field', details: `${e.path} is required`, source: { pointer: e.path } };
    default:
      return { title: 'Invalid value', details: `${e.path || 'the body'}: ${e.message}`, source: { pointer: e.path } };
  }
}

/** The schema's errors as Talon.One's API errors: one per field, each with the field's JSON pointer. */
export function schemaErrors<T extends TSchema>(check: TypeCheck<T>, value: unknown): ApiError[] {
  const out: ApiError[] = [];
  const seen = new Set<string>();
  for (const e of check.Errors(value)) {
    // A missing property is also reported as a wrong type of `undefined` at the same path: keep the first.
    if (seen.has(e.path)) continue;
    seen.add(e.path);
    out.push(describe(e));
    if (out.length >= MAX_REPORTED_ERRORS) break;
  }
  return out;
}
