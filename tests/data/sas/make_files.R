# Writes the SAS test files read by tests/sas_files.rs with R's haven, and the values R
# reads back from each, as CSV, for the test to compare with.
#
#   Rscript make_files.R        (from this folder; R >= 4.2, haven)
#
# persons.xpt          SAS transport file, version 8 (haven::write_xpt)
# persons_v5.xpt       SAS transport file, version 5 (8-character names)
# persons.csv          the rows as R reads them back from persons.xpt (haven::read_xpt),
#                      numbers with 17 significant digits
suppressPackageStartupMessages(library(haven))
options(digits = 17)
set.seed(5)
n <- 40
d <- data.frame(
  ent = rep(1:4, each = 10),
  upm = rep(1:8, each = 5),
  fac = round(runif(n, 50, 400), 2),
  sexo = sample(c(1, 2), n, TRUE),
  eda = sample(c(0:90, 99), n, TRUE),
  pais_nac = sample(c("MEX", "USA", "GTM"), n, TRUE, c(0.8, 0.12, 0.08)),
  ingreso = round(rlnorm(n, 8, 1), 2)
)
d$ingreso[c(3, 17, 29)] <- NA
d$pais_nac[c(8)] <- ""
attr(d$sexo, "label") <- "Sexo"
attr(d$eda, "label") <- "Edad en años cumplidos"
write_xpt(d, "persons.xpt", version = 8, name = "PERSONS")
write_xpt(d, "persons_v5.xpt", version = 5, name = "PERSONS")
back <- read_xpt("persons.xpt")
back5 <- read_xpt("persons_v5.xpt")
stopifnot(isTRUE(all.equal(as.data.frame(back), as.data.frame(back5), check.attributes = FALSE)))
# Numbers with 17 significant digits, so that the test compares the exact doubles R read.
out <- as.data.frame(back)
for (v in names(out)) if (is.numeric(out[[v]])) {
  out[[v]] <- ifelse(is.na(out[[v]]), NA, sprintf("%.17g", out[[v]]))
}
write.csv(out, "persons.csv", row.names = FALSE, na = "", quote = FALSE)
