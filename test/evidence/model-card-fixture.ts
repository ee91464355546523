/**
 * A model card kept as a string, not a .md file: the formatter would rewrite a Markdown fixture's
 * front matter.
 */
export const modelCardText = `---
license: apache-2.0
base_model: xgboost
tags: [credit, tabular]
modelParameters:
  task: binary-classification
considerations:
  technicalLimitations: ["Not calibrated for SMEs"]
useConstraints:
  intendedUse: Probability of default for retail loan applications
  prohibitedUses: [employment screening, insurance pricing]
  humanInTheLoop: true
  forbiddenFeatures: [sex, ethnicity]
---
# Model card: credit-risk-pd

## 1. Model details
Gradient-boosted trees.

## Intended use
### Primary users
Credit officers.

## Out-of-scope / prohibited uses
Anything else.

## Limitations

\`\`\`python
# not a heading
x = 1
\`\`\`

## Model's caveats
Retrain quarterly.
`;
