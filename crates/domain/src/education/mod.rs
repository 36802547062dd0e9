//! The education library: short items written by Rapport, each keyed to the
//! beliefs and fears it answers and the STarT Back strata it suits.
