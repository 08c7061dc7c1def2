// Owns the app's one way into zod: the mini API (its classic API cost cold start ~28 ms), with English messages.
// Import it as a namespace (`import * as z`): esbuild then bundles only what is used, where a `z` object taken as a
// value carries all of zod, JSON Schema tools included.
import { en } from 'zod/locales';
import { config } from 'zod/mini';

// The classic API sets English on first use; mini leaves every message at "Invalid input" unless told.
config(en());

export * from 'zod/mini';
