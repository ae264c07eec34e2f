/**
 * The one mapping from account category to net worth bucket (docs/schema.md, defects 4, 6, 7).
 * The SQL function account_bucket() is the same table; a test holds the two equal.
 */

export const ACCOUNT_CATEGORIES = [
  "cash",
  "investment",
  "property",
  "vehicle",
  "precious_metal",
  "digital_asset",
  "other",
  "credit_card",
  "mortgage",
  "loan",
  "other_liability",
] as const;
export type AccountCategory = (typeof ACCOUNT_CATEGORIES)[number];

export type AssetBucket =
  | "cash"
  | "investments"
  | "property"
  | "vehicles"
  | "preciousMetals"
  | "digitalAssets"
  | "other";
export type LiabilityBucket = "creditCards" | "mortgages" | "loans" | "other";

export type Bucket =
  | { readonly side: "asset"; readonly bucket: AssetBucket }
  | { readonly side: "liability"; readonly bucket: LiabilityBucket };

export const CATEGORY_BUCKETS: Readonly<Record<AccountCategory, Bucket>> = {
  cash: { side: "asset", bucket: "cash" },
  investment: { side: "asset", bucket: "investments" },
  property: { side: "asset", bucket: "property" },
  vehicle: { side: "asset", bucket: "vehicles" },
  precious_metal: { side: "asset", bucket: "preciousMetals" },
  digital_asset: { side: "asset", bucket: "digitalAssets" },
  other: { side: "asset", bucket: "other" },
  credit_card: { side: "liability", bucket: "creditCards" },
  mortgage: { side: "liability", bucket: "mortgages" },
  loan: { side: "liability", bucket: "loans" },
  other_liability: { side: "liability", bucket: "other" },
};

/**
 * Where a balance counts (defect 7): a negative asset balance is owed money (liability
 * `other`), a negative liability balance is money held (asset `cash`); amounts become positive.
 */
export function bucketFor(category: AccountCategory, cents: bigint): Bucket & { cents: bigint } {
  const home = CATEGORY_BUCKETS[category];
  if (cents >= 0n) return { ...home, cents };
  return home.side === "asset"
    ? { side: "liability", bucket: "other", cents: -cents }
    : { side: "asset", bucket: "cash", cents: -cents };
}
