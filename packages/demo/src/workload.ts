/**
 * What the demo's shoppers look at: product pages where the `popular` most viewed products get
 * `skew` of the views (the seed's "1,000 products receive 90 % of views"), and now and then a
 * category listing.
 */
export interface WorkloadShape {
  readonly products: number
  readonly popular: number
  /** Share of product views that go to the popular products (0-1). */
  readonly skew: number
  readonly categories: number
  /** Share of requests that are category listings rather than product pages (0-1). */
  readonly listingShare: number
}

/** Products per category listing page. */
export const LISTING_SIZE = 20

/** A seeded xorshift32 generator, so runs can be repeated and processes differ. */
export function createRandom(seed: number): () => number {
  let state = seed >>> 0 || 0x9e3779b9
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 4294967296
  }
}

/** Product ids are 1..products; the popular ones are 1..popular. */
export function pickProduct(shape: WorkloadShape, random: () => number): number {
  const popular = Math.min(shape.popular, shape.products)
  if (random() < shape.skew) return 1 + Math.floor(random() * popular)
  return 1 + Math.floor(random() * shape.products)
}

/** Listings are picked by the category of a viewed product, so popular categories are viewed more. */
export function pickCategory(shape: WorkloadShape, random: () => number): number {
  return categoryOf(pickProduct(shape, random), shape.categories)
}

export function categoryOf(productId: number, categories: number): number {
  return productId % categories
}

/** 500 products per category, at least one category. */
export function categoriesFor(products: number): number {
  return Math.max(1, Math.round(products / 500))
}
