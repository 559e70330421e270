//! Criterion benchmark of `scan` throughput over a large rendered chart set.
//!
//! The chart set is the real rendered charts of the scan corpus (`../shared/scan/fixtures/
//! real-*/manifests`: FusionAuth, Harbor, Longhorn, Grafana, Perses, ...), copied as many
//! times as needed to reach at least 10,000 image fields, each copy a separate file. Every
//! benchmark reads, decodes and checks all of them against one node profile.
//!
//! IDs:
//! - `scan/chart-set/{profile}`: `NodeProfile::scan_bytes` over every file (throughput in
//!   images);
//! - `scan/check/{profile}`: `NodeProfile::check` of every image string of one copy;
//! - `scan/read_stream`: the Kubernetes-manifest reader alone over every file (bytes).
//!
//! Run: `cargo bench --bench scan` (add `-- --quick` for a short run).

use std::hint::black_box;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use shortnames::kube;
use shortnames::scan::NodeProfile;

const TARGET_IMAGES: usize = 10_000;

fn chart_files() -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/scan/fixtures");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("the scan corpus is missing at {}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("real-")
        })
        .collect();
    dirs.sort();
    let mut files = Vec::new();
    for d in dirs {
        let mut names: Vec<_> = std::fs::read_dir(d.join("manifests"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        names.sort();
        for n in names {
            files.push(std::fs::read(n).unwrap());
        }
    }
    assert!(!files.is_empty());
    files
}

struct ChartSet {
    files: Vec<Vec<u8>>,
    images: usize,
    bytes: usize,
    one_copy_images: Vec<String>,
}

fn chart_set(node: &NodeProfile) -> ChartSet {
    let one = chart_files();
    let reports: Vec<_> = one.iter().map(|f| node.scan_bytes("f", f)).collect();
    let per_copy: usize = reports.iter().map(|r| r.images.len()).sum();
    let one_copy_images = reports
        .iter()
        .flat_map(|r| {
            r.images
                .iter()
                .filter_map(|i| i.image.as_str().map(str::to_owned))
        })
        .collect();
    let copies = TARGET_IMAGES.div_ceil(per_copy);
    let files: Vec<Vec<u8>> = (0..copies).flat_map(|_| one.iter().cloned()).collect();
    let bytes = files.iter().map(Vec::len).sum();
    ChartSet {
        files,
        images: per_copy * copies,
        bytes,
        one_copy_images,
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("scan");
    for profile in ["crio-default", "openshift"] {
        let node = NodeProfile::builtin(profile).unwrap().unwrap();
        let set = chart_set(&node);
        eprintln!(
            "chart set: {} files, {} images, {} bytes",
            set.files.len(),
            set.images,
            set.bytes
        );
        group.throughput(Throughput::Elements(set.images as u64));
        group.bench_function(format!("chart-set/{profile}"), |b| {
            b.iter(|| {
                let mut n = 0;
                for f in &set.files {
                    n += node.scan_bytes("chart.yaml", black_box(f)).images.len();
                }
                assert_eq!(n, set.images);
            })
        });
        group.throughput(Throughput::Elements(set.one_copy_images.len() as u64));
        group.bench_function(format!("check/{profile}"), |b| {
            b.iter(|| {
                for i in &set.one_copy_images {
                    black_box(node.check(black_box(i)));
                }
            })
        });
        if profile == "crio-default" {
            group.throughput(Throughput::Bytes(set.bytes as u64));
            group.bench_function("read_stream", |b| {
                b.iter(|| {
                    for f in &set.files {
                        black_box(kube::read_stream(black_box(f)));
                    }
                })
            });
        }
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
