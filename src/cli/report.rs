//! `report`: read the inputs, render the page, write it whole.

use tinyvmaf_gpu::output::Destination;
use tinyvmaf_gpu::report::{self, ReportOptions};

use super::args::ReportArgs;
use super::CliResult;

pub fn run(args: ReportArgs) -> CliResult {
    // Where the page goes, checked before anything is read.
    let destination = Destination::resolve(&args.output)?;
    let sources = args.inputs.iter().map(|path| report::load(path)).collect::<Result<Vec<_>, _>>()?;
    let options = ReportOptions { worst: args.worst, anchor: args.anchor, frame_rate: args.frame_rate };
    destination.write(&args.output, report::render(&sources, &options).as_bytes())?;
    Ok(())
}
