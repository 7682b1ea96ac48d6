//! The `crm_simulate`-like front end.
