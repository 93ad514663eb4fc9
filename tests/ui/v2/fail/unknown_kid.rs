// A production blob sealed to a key that is not one of production's.
use sealant::{Sealed, secret};

#[secret]
const API_TOKEN: Sealed = "sealant:v2:production/API_TOKEN/67e90f825caf2329005bb2370a3157b0baffcdaeaa22c586d6de0ccd479b9bf1cbd00463665c0f1385f00e37ecf1edb9ba42447c7f51c043d67c14c0de9eaa023cdc915731";

fn main() {}
