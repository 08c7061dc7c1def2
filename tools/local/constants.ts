// Owns the names the local tools and tests share: the app's routes, the local phone numbers, the api-versions.
export { CALLBACK_ROUTE, OUTBOUND_ROUTE } from '../../src/app/routes';

/** The hotline's and the operator's numbers on the local stack (555-01xx numbers are reserved for fiction). */
export const HOTLINE_NUMBER = '+18005550100';
export const OPERATOR_NUMBER = '+18005550199';
/** Who calls when a tool is not told. */
export const DEFAULT_CALLER = '+14255550123';

/** The Call Automation api-versions the emulator vendors: the stable one the SDK sends, and the preview before it. */
export const STABLE_API_VERSION = '2026-03-12';
export const PREVIEW_API_VERSION = '2025-08-15-preview';
