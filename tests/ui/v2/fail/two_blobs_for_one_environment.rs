// Two blobs for one environment.
use sealant::{Sealed, secret};

#[secret]
const API_TOKEN: Sealed = [
    "sealant:v2:production/API_TOKEN/e9fb5949611933d2af35f3606ef7016514d5d67a26287f9c52dbfed26db025216ab08174263428a8906071a785152443914f5d3ee5c681509cb6ae53a162a150d2d3cb5b68",
    "sealant:v2:production/API_TOKEN/e9fb5949086e195c366f841fa1e6d2def870bcf68f3d560d7b52af7c256a1d572ba6dc43ba93a395ffbd1fead51b6e57ef6f050e5cd52c306d121e579a56e84ab901f256ca",
];

fn main() {}
