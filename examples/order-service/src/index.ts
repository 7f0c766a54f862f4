export {
  AbortedOnPurpose,
  ShopService,
  UnknownCustomer,
  type CommandOptions,
  type ShopOptions,
} from './shop-service';
export {
  HOSTILE_NAMES,
  generateLoad,
  seeded,
  type CommittedFact,
  type LoadOptions,
  type LoadSummary,
} from './load-generator';
export { createShopFixture, prepareShopDatabase, type ShopFixture } from './shop-fixture';
