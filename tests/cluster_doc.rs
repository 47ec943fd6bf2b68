//! docs/CLUSTER.md's recipes, held to what runs them: the Kubernetes Jobs validated
//! against the Kubernetes API schema (`kubernetes-validate --strict`, which `.ci/run`
//! installs; the path in `$TINYVMAF_KUBERNETES_VALIDATE`), and the shard counts the
//! recipes repeat kept equal. The Slurm scripts themselves run on a real cluster in
//! `scripts/slurm-check.sh`.

mod common;

use std::path::PathBuf;
use std::process::Command;

fn doc() -> String {
    std::fs::read_to_string(common::manifest_dir().join("docs/CLUSTER.md")).unwrap()
}

/// The fenced blocks of one language, in order.
fn blocks(text: &str, lang: &str) -> Vec<String> {
    let open = format!("```{lang}");
    let mut out = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match &mut current {
            None if line == open => current = Some(String::new()),
            Some(block) if line == "```" => {
                out.push(std::mem::take(block));
                current = None;
            }
            Some(block) => {
                block.push_str(line);
                block.push('\n');
            }
            None => {}
        }
    }
    out
}

/// The validator: `$TINYVMAF_KUBERNETES_VALIDATE`, else `kubernetes-validate` on PATH;
/// `Err` with why when neither runs (the test then skips, unless the variable is set:
/// `.ci/run` sets it, and there a missing validator is a failure).
fn validator() -> Result<PathBuf, String> {
    let explicit = std::env::var_os("TINYVMAF_KUBERNETES_VALIDATE").map(PathBuf::from);
    let path = explicit.clone().unwrap_or_else(|| "kubernetes-validate".into());
    match Command::new(&path).arg("--version").output() {
        Ok(out) if out.status.success() => Ok(path),
        result => {
            let why = format!("{} does not run ({result:?})", path.display());
            assert!(explicit.is_none(), "TINYVMAF_KUBERNETES_VALIDATE is set but {why}");
            Err(why)
        }
    }
}

fn validate(tool: &PathBuf, yaml: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("job.yaml");
    std::fs::write(&file, yaml).unwrap();
    let out = Command::new(tool).arg("--strict").arg(&file).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

#[test]
fn kubernetes_jobs_in_the_doc_pass_the_job_schema() {
    let yaml = blocks(&doc(), "yaml");
    assert_eq!(yaml.len(), 2, "the batch Job and the merge Job");
    assert!(yaml.iter().all(|y| y.contains("kind: Job")), "{yaml:?}");
    let tool = match validator() {
        Ok(tool) => tool,
        Err(why) => {
            println!("SKIPPED kubernetes_jobs_in_the_doc_pass_the_job_schema: {why}; `pip install kubernetes-validate`");
            return;
        }
    };
    for job in &yaml {
        let (ok, said) = validate(&tool, job);
        assert!(ok, "docs/CLUSTER.md's Job does not validate:\n{said}\n{job}");
    }
    // The same check refuses a Job with a misspelt field and one with a wrong type,
    // so a pass above means something.
    let misspelt = yaml[0].replace("completionMode: Indexed", "completionMode: Indexed\n  completionz: 16");
    let wrong_type = yaml[0].replace("parallelism: 16", "parallelism: sixteen");
    for bad in [misspelt, wrong_type] {
        assert_ne!(bad, yaml[0]);
        let (ok, said) = validate(&tool, &bad);
        assert!(!ok, "the validator accepted a broken Job:\n{said}");
    }
}

/// The shard count appears twice in each recipe; a mismatch skips or repeats shards.
#[test]
fn shard_counts_agree_within_each_recipe() {
    let text = doc();
    let job = &blocks(&text, "yaml")[0];
    let field = |name: &str| -> u32 {
        let line = job.lines().find(|l| l.trim_start().starts_with(name)).unwrap_or_else(|| panic!("{name} in the Job"));
        line.split(':').nth(1).unwrap().split('#').next().unwrap().trim().parse().unwrap()
    };
    let completions = field("completions:");
    assert_eq!(field("parallelism:"), completions);
    assert!(job.contains(&format!("--shard \"$JOB_COMPLETION_INDEX/{completions}\"")), "{job}");

    let array = blocks(&text, "bash").into_iter().find(|b| b.contains("#SBATCH --array=")).expect("the Slurm array script");
    let last: u32 = array.split("#SBATCH --array=0-").nth(1).unwrap().lines().next().unwrap().trim().parse().unwrap();
    assert!(array.contains(&format!("SHARDS=${{SHARDS:-{}}}", last + 1)), "SHARDS must default to the array's size:\n{array}");
    assert!(array.contains("--shard \"$SLURM_ARRAY_TASK_ID/$SHARDS\""), "{array}");
}
