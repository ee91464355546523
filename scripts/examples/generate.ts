/** Regenerates every worked example's evidence: `npx tsx scripts/examples/generate.ts`. */
import { join } from 'node:path';
import { generateCreditRisk } from './credit-risk.js';
import { generateFraud } from './fraud.js';
import { generateMedicalImaging } from './medical-imaging.js';
import { generateRecommender } from './recommender.js';
import { generateRideSharingEta } from './ride-sharing-eta.js';

const root = join(import.meta.dirname, '..', '..', 'examples');
generateCreditRisk(join(root, 'credit-risk'));
generateRecommender(join(root, 'recommender'));
generateMedicalImaging(join(root, 'medical-imaging'));
generateRideSharingEta(join(root, 'ride-sharing-eta'));
generateFraud(join(root, 'fraud'));
console.log('examples generated');
