//! Predictive models: BG/NBD, Gamma-Gamma customer value, replenishment.
