import type { PathServices } from '../../plugin-api/index.ts';
import { findHazard } from './hazards.ts';
import { lenientSegments, strictSegments } from './readings.ts';

/** The path readings plugins receive as `services.paths`. */
export const pathServices: PathServices = { hazard: findHazard, strictSegments, lenientSegments };
