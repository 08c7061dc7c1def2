// Owns the HTTP routes the app serves, named once for the triggers, the callback URLs it hands ACS, and the tools.
export const CALLBACK_ROUTE = 'callbacks';
export const OUTBOUND_ROUTE = 'outbound-calls';
